package app.nyckel

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTimeoutPreemptively
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.time.Duration
import java.util.Collections
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertFailsWith

/**
 * Push approvals and phone sign-in through the FFI, against a real `nyckel-idp serve` on
 * loopback: the device keys come from [JvmDeviceKeyStore] (java.security) and the HTTP from
 * [JavaNetHttpClient] (java.net.http), both Kotlin implementations of the foreign traits.
 * The number is learned from `nyckel-idp signin start`, as the user reads it off the
 * sign-in page.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApprovalsTest {
    private lateinit var idp: IdpServer
    private val userCount = AtomicInteger()

    @BeforeAll
    fun startProvider() {
        idp = IdpServer.start()
    }

    @AfterAll
    fun stopProvider() {
        if (::idp.isInitialized) idp.close()
    }

    /** A fresh user per test: the provider rate-limits and blocks (after a report) per user. */
    private fun newUser() = "user${userCount.incrementAndGet()}@example.se"

    class Phone(
        val vault: NyckelVault,
        val keys: JvmDeviceKeyStore,
        val http: JavaNetHttpClient,
        val approvals: NyckelApprovals,
    )

    private fun phone(): Phone {
        val vault = TestSupport.newVault()
        val keys = JvmDeviceKeyStore()
        val http = JavaNetHttpClient()
        return Phone(vault, keys, http, NyckelApprovals(vault, keys, http))
    }

    private fun Phone.enroll(user: String, totp: Boolean = false): EnrollmentInfo =
        approvals.enroll(idp.addUser(user, totp), "Annas telefon", "fcm-token-1")

    private fun Phone.signIns(): List<ActivityEvent.SignIn> =
        vault.activity(100u).map { it.event }.filterIsInstance<ActivityEvent.SignIn>()

    private fun wrong(number: UByte): UByte = if (number == 99.toUByte()) 10u else (number + 1u).toUByte()

    @Test
    fun approveWithTheNumberFromTheSignInPage() {
        val user = newUser()
        val phone = phone()
        val enrolled = phone.enroll(user, totp = true)
        assertEquals(user, enrolled.accountName)
        assertEquals(idp.origin, enrolled.providerUrl)
        assertEquals("Annas telefon", enrolled.deviceName)
        assertFalse(enrolled.phoneSigninEnabled)
        assertEquals(phone.vault.accounts().single().id, enrolled.otpAccountId, "the code carried a TOTP secret")
        assertEquals(listOf(enrolled), phone.approvals.enrollments())
        assertTrue(phone.vault.activity(100u).any { it.event is ActivityEvent.Enrolled })

        val signIn = idp.startSignIn(user)
        val pending = phone.approvals.pendingRequests()
        assertEquals(listOf<FetchFailure>(), pending.failures)
        val request = pending.requests.single()
        assertEquals(signIn.id, request.requestId)
        assertEquals(enrolled.id, request.enrollmentId)
        assertEquals(listOf(user, "Webbmejl", "203.0.113.7", "Malmö, SE"),
            listOf(request.accountName, request.app, request.ip, request.location))
        assertFalse(request.passwordless)
        assertTrue(request.secondsLeft in 100..120, "${request.secondsLeft}")
        // The phone never learns the number, and the challenge stays inside Nyckel.
        val fields = SignInRequest::class.java.declaredFields.map { it.name.lowercase() }
        assertTrue(fields.none { "number" in it || "nonce" in it || "challenge" in it }, "$fields")

        assertEquals(SignInOutcome.APPROVED, phone.approvals.approve(signIn.id, signIn.number))
        assertEquals("approved", idp.status(signIn.id))
        val logged = phone.signIns().single()
        assertEquals(listOf("approve", "approved", "Webbmejl", "Malmö, SE", "203.0.113.7", user),
            listOf(logged.decision, logged.result, logged.app, logged.location, logged.ip, logged.accountName))
        assertEquals(enrolled.id, logged.enrollmentId)
        assertFalse(logged.passwordless)
        // Answered requests leave the cache: the app is told to refresh.
        assertFailsWith<NyckelException.RequestNotFound> { phone.approvals.approve(signIn.id, signIn.number) }
    }

    @Test
    fun wrongNumberKillsTheRequest() {
        val user = newUser()
        val phone = phone()
        phone.enroll(user)
        val signIn = idp.startSignIn(user)
        assertFailsWith<NyckelException.RequestNotFound> { phone.approvals.approve(signIn.id, signIn.number) }
        phone.approvals.pendingRequests()
        val sent = phone.http.requests.get()
        assertFailsWith<NyckelException.InvalidNumber> { phone.approvals.approve(signIn.id, 9u) }
        assertFailsWith<NyckelException.InvalidNumber> { phone.approvals.approve(signIn.id, 100u) }
        assertEquals(sent, phone.http.requests.get(), "nothing is sent for a number that is not two digits")

        val e = assertFailsWith<NyckelException.WrongNumber> { phone.approvals.approve(signIn.id, wrong(signIn.number)) }
        assertFalse(e.message.orEmpty().contains(signIn.number.toString()))
        assertEquals("wrong_number", idp.status(signIn.id))
        assertEquals(listOf<SignInRequest>(), phone.approvals.pendingRequests().requests, "the request is dead")
        assertEquals("wrong_number", phone.signIns().single().result)
    }

    @Test
    fun denyAndReport() {
        val user = newUser()
        val phone = phone()
        phone.enroll(user)
        val first = idp.startSignIn(user, app = "Intranät", location = "Lund, SE")
        phone.approvals.pendingRequests()
        assertEquals(SignInOutcome.DENIED, phone.approvals.deny(first.id))
        assertEquals("denied", idp.status(first.id))
        val second = idp.startSignIn(user, app = "VPN", location = "Okänd plats")
        phone.approvals.pendingRequests()
        idp.cli("--helpdesk", "IT-support 040-123 45 67", "signin", "status", second.id) // the administrator's contact
        val before = System.currentTimeMillis() / 1000
        val reported = phone.approvals.report(second.id)
        assertEquals("reported", idp.status(second.id))
        // Until when (the provider's default hour, on the phone's clock) and whom to contact.
        val until = reported.blockedUntil ?: error("the provider says until when")
        assertTrue(until in (before + 3600)..(before + 3605), "$until vs $before")
        assertEquals("IT-support 040-123 45 67", reported.contact)
        assertEquals(listOf("report/reported/VPN/Okänd plats", "deny/denied/Intranät/Lund, SE"),
            phone.signIns().map { "${it.decision}/${it.result}/${it.app}/${it.location}" })
    }

    @Test
    fun phoneTransferMovesTheEnrollmentWithNewKeysAndRevokesTheOldPhone() {
        val user = newUser()
        val old = phone()
        val id = old.enroll(user).id
        old.approvals.enablePhoneSignin(id)
        val out = old.approvals.exportPhoneTransfer()
        assertTrue(out.qrPayload.startsWith("nyckel-transfer://v1?key="), out.qrPayload)
        assertTrue(out.keyText.endsWith(out.code) && out.code.length == 6)
        val offer = out.enrollments.single()
        assertTrue(offer.phoneSignin && offer.failure == null, "$offer")

        val new = phone()
        val notAKey = assertFailsWith<NyckelException> { new.approvals.importPhoneTransfer(out.`package`, "not a key", "Nya") }
        assertEquals(ErrorKind.INVALID_INPUT, notAKey.kind())
        assertTrue(new.approvals.enrollments().isEmpty(), "nothing changed")
        val moved = new.approvals.importPhoneTransfer(out.`package`, out.keyText, "Nya").enrollments.single()
        assertEquals(null, moved.failure)
        assertTrue(moved.oldDeviceRevoked)
        assertEquals(true, moved.phoneSignin)
        // New keys on the new phone; the provider has the new device and has revoked the old one.
        assertTrue(new.keys.aliases.intersect(old.keys.aliases).isEmpty(), "keys are never copied")
        assertTrue(new.approvals.enrollments().single().phoneSigninEnabled)
        val devices = idp.devicesJson(user)
        assertTrue(devices.contains("\"name\":\"Nya\""), devices)
        assertEquals(ErrorKind.DEVICE_REVOKED, old.approvals.pendingRequests().failures.single().kind)

        // The new phone approves; the old one is refused.
        val signIn = idp.startSignIn(user)
        new.approvals.pendingRequests()
        assertEquals(SignInOutcome.APPROVED, new.approvals.approve(signIn.id, signIn.number))

        // The package is good once: a third phone's enrollment is refused, typed, and stores nothing.
        val third = phone()
        val again = third.approvals.importPhoneTransfer(out.`package`, out.keyText, "Tredje").enrollments.single()
        assertEquals(ErrorKind.INVALID_ENROLLMENT_CODE, again.failure?.kind)
        assertTrue(third.approvals.enrollments().isEmpty())
    }

    @Test
    fun phoneTransferFlowsScanTheQrCodeTypeTheCodeAndReportEachEnrollment() {
        val user = newUser()
        val old = phone()
        old.enroll(user, totp = true)
        val out = PhoneTransferExportFlow()
        out.start(ApprovalsTransferPort(old.approvals), java.time.LocalDate.of(2026, 12, 5))
        val shown = out.step as PhoneTransferExportFlow.Step.ShowingKey
        assertEquals(1, shown.moving.size)
        // The provider's one-time-code secret is managed: never in the package, re-delivered.
        assertEquals(0, shown.accounts)
        val packageFile = kotlin.io.path.createTempFile("nyckel-flytt", ".json").toFile()
        packageFile.writeBytes(shown.packageBytes)
        out.packageSaved()
        out.finish()
        assertEquals(PhoneTransferExportFlow.Step.Done(0, 1), out.step)

        val new = phone()
        val port = ApprovalsTransferPort(new.approvals)
        val flow = PhoneTransferImportFlow("Nya")
        flow.choosePackage(port, packageFile.readBytes())
        flow.scanned(shown.qrPayload)
        val wrongCode = shown.code.map { if (it == '9') '0' else it + 1 }.joinToString("")
        flow.submitCode(port, wrongCode)
        assertEquals(PhoneTransferImportFlow.Step.EnterCode, flow.step)
        assertEquals(ErrorKind.WRONG_PASSPHRASE, flow.error?.kind())
        assertTrue(new.approvals.enrollments().isEmpty(), "a wrong code changes nothing")
        flow.submitCode(port, shown.code)
        val outcome = flow.step as PhoneTransferImportFlow.Step.Outcomes
        assertEquals(listOf(PhoneTransferImportFlow.MoveStatus.MOVED), outcome.rows.map { it.status })
        assertEquals(0, outcome.accountsImported)
        assertEquals(true, outcome.rows.single().managedOtp?.added, "the provider re-delivered it")
        assertEquals(1, new.vault.accounts().size)
        assertTrue(outcome.allMoved)
        assertEquals(ErrorKind.DEVICE_REVOKED, old.approvals.pendingRequests().failures.single().kind)

        // The same package on a third phone: the code was used, reported per enrollment.
        val third = phone()
        val again = PhoneTransferImportFlow("Tredje")
        again.choosePackage(ApprovalsTransferPort(third.approvals), packageFile.readBytes())
        again.typeKeyInstead()
        again.submitKeyText(ApprovalsTransferPort(third.approvals), shown.keyText)
        val refused = (again.step as PhoneTransferImportFlow.Step.Outcomes).rows.single()
        assertEquals(PhoneTransferImportFlow.MoveStatus.NOT_MOVED, refused.status)
        assertEquals(ErrorKind.INVALID_ENROLLMENT_CODE, refused.failure?.kind)
        packageFile.delete()
    }

    @Test
    fun anAttestingStoreAttestsThePhoneSigninKeyForTheProvidersChallenge() {
        val user = newUser()
        val phone = phone()
        val id = phone.enroll(user).id
        val sent = Collections.synchronizedList(mutableListOf<ByteArray>())
        phone.keys.attest = { challenge, publicKey -> listOf(challenge + publicKey).also { sent.addAll(it) } }
        phone.approvals.enablePhoneSignin(id)
        // The provider's challenge, as raw bytes, once; the key it attested is the one that
        // proved itself behind the prompt and is registered.
        val challenge = phone.keys.attestedChallenges.single()
        assertEquals(40, challenge.size)
        assertEquals(1, phone.keys.prompts.get())
        assertEquals(1, sent.size)
        val alias = phone.keys.aliases.single { it.contains("-phone-") }
        assertTrue(sent.single().copyOfRange(40, 105).contentEquals(phone.keys.publicKey(alias)))
        assertTrue(phone.approvals.enrollments().single().phoneSigninEnabled)
        val signIn = idp.startSignIn(user, passwordless = true)
        phone.approvals.pendingRequests()
        assertEquals(SignInOutcome.APPROVED, phone.approvals.approve(signIn.id, signIn.number))

        // A store that cannot attest (null): the key is created without attestation.
        phone.keys.attest = null
        phone.approvals.enablePhoneSignin(id)
        assertEquals(1, phone.keys.attestedChallenges.size)
        assertTrue(phone.approvals.enrollments().single().phoneSigninEnabled)
        assertEquals(2, phone.keys.aliases.size, "the replaced key was deleted")
    }

    @Test
    fun phoneSigninWithTheUserVerificationGate() {
        val user = newUser()
        val phone = phone()
        val id = phone.enroll(user).id
        phone.approvals.enablePhoneSignin(id)
        assertEquals(1, phone.keys.prompts.get(), "the new key's proof needed the user")
        assertTrue(phone.approvals.enrollments().single().phoneSigninEnabled)
        assertTrue(idp.devicesJson(user).contains("\"phoneSignin\":true"))
        assertEquals(2, phone.keys.aliases.size)

        val signIn = idp.startSignIn(user, passwordless = true)
        assertTrue(phone.approvals.pendingRequests().requests.single().passwordless)
        phone.keys.pinPrompt = { "0000" }
        assertFailsWith<NyckelException.UserVerificationFailed> { phone.approvals.approve(signIn.id, signIn.number) }
        assertEquals("pending", idp.status(signIn.id))
        phone.keys.pinPrompt = { null }
        assertFailsWith<NyckelException.UserCancelled> { phone.approvals.approve(signIn.id, signIn.number) }
        assertEquals("pending", idp.status(signIn.id))
        assertEquals(listOf<ActivityEvent.SignIn>(), phone.signIns(), "nothing was decided")

        phone.keys.pinPrompt = { JvmDeviceKeyStore.PIN }
        val before = phone.keys.uvSignatures.get()
        assertEquals(SignInOutcome.APPROVED, phone.approvals.approve(signIn.id, signIn.number))
        assertEquals(before + 1, phone.keys.uvSignatures.get(), "approved with the user-verification key")
        assertEquals("approved", idp.status(signIn.id))
        val logged = phone.signIns().single()
        assertTrue(logged.passwordless)
        assertEquals("approved", logged.result)

        // A phone sign-in key the store no longer has (invalidated by new biometrics: the
        // store says NotFound) asks for phone sign-in again, not for a new enrollment.
        val again = idp.startSignIn(user, passwordless = true)
        phone.approvals.pendingRequests()
        phone.keys.deleteKey(phone.keys.aliases.single { it.contains("-phone-") })
        val lost = assertFailsWith<NyckelException.PhoneSigninKeyUnavailable> { phone.approvals.approve(again.id, again.number) }
        assertTrue(lost.reason.isNotBlank())
        assertEquals("pending", idp.status(again.id))
        phone.approvals.enablePhoneSignin(id)
        assertEquals(SignInOutcome.APPROVED, phone.approvals.approve(again.id, again.number))

        phone.approvals.disablePhoneSignin(id)
        assertFalse(phone.approvals.enrollments().single().phoneSigninEnabled)
        assertEquals(1, phone.keys.aliases.size, "the phone sign-in key is deleted")
        assertEquals(listOf(false, true, true),
            phone.vault.activity(100u).map { it.event }.filterIsInstance<ActivityEvent.PhoneSignin>().map { it.enabled })
    }

    @Test
    fun keyStoreErrorsAreTyped() {
        val user = newUser()
        val phone = phone()
        val uri = idp.addUser(user)
        phone.keys.beforeOperation = { if (it == "create") throw DeviceKeyException.UserCancelled() }
        assertFailsWith<NyckelException.UserCancelled> { phone.approvals.enroll(uri, "t", null) }
        phone.keys.beforeOperation = { if (it == "sign") throw IllegalStateException("keystore bug") }
        val e = assertFailsWith<NyckelException.DeviceKeyUnavailable> { phone.approvals.enroll(uri, "t", null) }
        assertTrue(e.reason.isNotBlank())
        assertEquals(setOf<String>(), phone.keys.aliases, "a failed enrollment deletes its key")
        assertEquals(listOf<EnrollmentInfo>(), phone.approvals.enrollments())
        phone.keys.beforeOperation = {}
        phone.approvals.enroll(uri, "t", null) // the activation code was never used
        assertEquals(1, phone.keys.aliases.size)
        assertFailsWith<NyckelException.InvalidEnrollmentCode> { phone.approvals.enroll(uri, "t", null) }
        assertFailsWith<NyckelException.InvalidEnrollmentCode> { phone.approvals.enroll("https://example.se", "t", null) }
    }

    @Test
    fun lockedVaultCreatesNoKey() {
        val phone = phone()
        val uri = idp.addUser(newUser())
        phone.vault.lock()
        assertFailsWith<NyckelException.Locked> { phone.approvals.enroll(uri, "t", null) }
        assertFailsWith<NyckelException.Locked> { phone.approvals.pendingRequests() }
        assertEquals(setOf<String>(), phone.keys.aliases)
        phone.vault.unlockWithPassphrase("correct horse battery")
        phone.approvals.enroll(uri, "t", null)
    }

    @Test
    fun httpClientThatThrowsIsProviderUnreachable() {
        val user = newUser()
        val phone = phone()
        phone.enroll(user)
        val signIn = idp.startSignIn(user)
        phone.approvals.pendingRequests()
        phone.http.offline = true
        assertFailsWith<NyckelException.ProviderUnreachable> { phone.approvals.approve(signIn.id, signIn.number) }
        assertEquals("not delivered", phone.signIns().single().result)
        val failure = phone.approvals.pendingRequests().failures.single()
        assertTrue(failure.reason.contains("network is unreachable"), failure.reason)
        phone.http.offline = false
        // Any other exception from the client counts as "no response" too.
        phone.http.beforeExecute = { throw IllegalStateException("no network stack") }
        assertFailsWith<NyckelException.ProviderUnreachable> { phone.approvals.syncTime(phone.approvals.enrollments()[0].id) }
        phone.http.beforeExecute = {}
        phone.approvals.pendingRequests()
        assertEquals(SignInOutcome.APPROVED, phone.approvals.approve(signIn.id, signIn.number))
    }

    @Test
    fun reentrantCallsFromTheCallbacksDoNotDeadlock() {
        val user = newUser()
        val phone = phone()
        phone.vault.addUri(TestSupport.totpUri(TestSupport.randomSecret()))
        phone.enroll(user)
        val seen = Collections.synchronizedList(mutableListOf<String>())
        phone.http.beforeExecute = {
            seen += "http accounts=${phone.vault.accounts().size} enrollments=${phone.approvals.enrollments().size}"
        }
        phone.keys.beforeOperation = { if (it == "sign") seen += "sign locked=${phone.vault.isLocked()}" }
        val signIn = idp.startSignIn(user)
        assertTimeoutPreemptively(Duration.ofSeconds(60)) {
            phone.approvals.pendingRequests()
            assertEquals(SignInOutcome.APPROVED, phone.approvals.approve(signIn.id, signIn.number))
        }
        assertTrue("http accounts=1 enrollments=1" in seen, "$seen")
        assertTrue("sign locked=false" in seen, "$seen")
        phone.http.beforeExecute = {}
        phone.keys.beforeOperation = {}
    }

    @Test
    fun rustSoftwareKeyStoreWorksWhereTheTraitIsExpected() {
        val user = newUser()
        val vault = TestSupport.newVault()
        val keys = SoftwareDeviceKeyStore("1357")
        val approvals = NyckelApprovals(vault, keys, JavaNetHttpClient())
        val id = approvals.enroll(idp.addUser(user), "desktop", null).id
        approvals.enablePhoneSignin(id)
        assertEquals(2, keys.aliases().size)
        val signIn = idp.startSignIn(user, passwordless = true)
        approvals.pendingRequests()
        keys.setPin("0000")
        assertFailsWith<NyckelException.UserVerificationFailed> { approvals.approve(signIn.id, signIn.number) }
        keys.setPin("1357")
        assertEquals(SignInOutcome.APPROVED, approvals.approve(signIn.id, signIn.number))
    }

    @Test
    fun pushTokenTimeAndRemoval() {
        val user = newUser()
        val phone = phone()
        val id = phone.enroll(user).id
        assertTrue(kotlin.math.abs(phone.approvals.syncTime(id)) <= 2)
        phone.approvals.updatePushToken("fcm-token-2")
        assertTrue(idp.devicesJson(user).contains("\"hasPushToken\":true"))
        phone.approvals.updatePushToken(null)
        assertTrue(idp.devicesJson(user).contains("\"hasPushToken\":false"))
        assertEquals(RemovedEnrollment(true, null), phone.approvals.removeEnrollment(id))
        assertEquals(listOf<EnrollmentInfo>(), phone.approvals.enrollments())
        assertEquals(setOf<String>(), phone.keys.aliases)
        assertFalse(idp.devicesJson(user).contains("\"revokedAt\":null"), "the provider revoked the device")
        assertTrue(phone.vault.activity(1u).single().event is ActivityEvent.EnrollmentRemoved)
        assertFailsWith<NyckelException.EnrollmentNotFound> { phone.approvals.syncTime(id) }
    }
}
