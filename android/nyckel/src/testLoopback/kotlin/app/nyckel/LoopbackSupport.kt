package app.nyckel

import org.junit.jupiter.api.Assumptions.assumeTrue
import java.io.File
import java.io.IOException
import java.math.BigInteger
import java.net.URI
import java.nio.file.Files
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.net.http.HttpClient as JdkHttpClient
import java.net.http.HttpRequest as JdkHttpRequest
import java.net.http.HttpResponse as JdkHttpResponse

/*
 * Support for the approval tests: a real `nyckel-idp serve` process on loopback, a
 * DeviceKeyStore in Kotlin (java.security EC keys) and an HttpClient in Kotlin
 * (java.net.http).
 *
 * These live in src/testLoopback, compiled and run by scripts/test-kotlin.sh only: Android's
 * unit-test compile classpath (android.jar) has no java.net.http, and the Gradle build has
 * no nyckel-idp binary.
 */

/** A `nyckel-idp serve` process on 127.0.0.1 with a temporary database, and its admin CLI. */
class IdpServer private constructor(private val binary: String, private val dir: File) : AutoCloseable {
    private val db = File(dir, "idp.db")
    private lateinit var process: Process
    private var pidFile: File? = null
    lateinit var origin: String
        private set

    companion object {
        /** Starts the server, or skips the calling test when no binary is configured. */
        fun start(): IdpServer {
            val binary = System.getenv("NYCKEL_IDP")
            assumeTrue(!binary.isNullOrEmpty() && File(binary).canExecute(),
                "set NYCKEL_IDP to a nyckel-idp binary (scripts/test-kotlin.sh does)")
            val server = IdpServer(binary!!, Files.createTempDirectory("nyckel-idp-kt").toFile())
            server.launch()
            return server
        }
    }

    private fun launch() {
        val out = File(dir, "serve.out")
        // Port 0: the OS picks a free port; the server prints the address it bound.
        process = ProcessBuilder(binary, "--db", db.path, "--json", "serve", "--addr", "127.0.0.1:0")
            .redirectOutput(out)
            .redirectError(File(dir, "serve.err"))
            .start()
        // Lets scripts/test-kotlin.sh stop the server even if this JVM is killed.
        System.getenv("NYCKEL_IDP_PIDS")?.let { pids ->
            pidFile = File(pids, "${process.pid()}").also { it.parentFile.mkdirs(); it.writeText("${process.pid()}") }
        }
        Runtime.getRuntime().addShutdownHook(Thread { process.destroyForcibly() })
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
        var listening: String? = null
        while (listening == null) {
            check(process.isAlive) { "nyckel-idp serve exited: ${File(dir, "serve.err").readText()}" }
            check(System.nanoTime() < deadline) { "nyckel-idp serve did not start" }
            listening = out.takeIf { it.exists() }?.readText()?.let { Regex("\"listening\":\"([^\"]+)\"").find(it) }?.groupValues?.get(1)
            if (listening == null) Thread.sleep(20)
        }
        origin = "http://$listening"
        // The port is bound before the database is set up: one request waits until it is.
        JavaNetHttpClient().execute(HttpRequest("GET", "$origin/nyckel/v1/time?nonce=AAAAAAAAAAAAAAAAAAAAAA", listOf(), ByteArray(0)))
    }

    /** Runs `nyckel-idp --db DB --origin ORIGIN --json ARGS…` and returns its JSON output. */
    fun cli(vararg args: String): String {
        val p = ProcessBuilder(listOf(binary, "--db", db.path, "--origin", origin, "--json") + args)
            .redirectErrorStream(true).start()
        val text = p.inputStream.bufferedReader().readText()
        check(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) { "nyckel-idp ${args.joinToString(" ")} failed: $text" }
        return text
    }

    /** Adds a user; returns the enrollment URI (the QR code's text). */
    fun addUser(name: String, totp: Boolean = false): String {
        val args = mutableListOf("user", "add", name, "--password", "lösenord")
        if (totp) args += "--totp"
        return field(cli(*args.toTypedArray()), "enrollUri")
    }

    /** A sign-in as the sign-in page starts it: the request id and the number it shows. */
    data class SignIn(val id: String, val number: UByte)

    fun startSignIn(name: String, passwordless: Boolean = false, app: String = "Webbmejl",
                    ip: String = "203.0.113.7", location: String = "Malmö, SE"): SignIn {
        val args = mutableListOf("signin", "start", name, "--app", app, "--ip", ip, "--location", location)
        if (passwordless) args += "--passwordless"
        val json = cli(*args.toTypedArray())
        return SignIn(field(json, "id"), Regex("\"number\":(\\d+)").find(json)!!.groupValues[1].toInt().toUByte())
    }

    fun status(id: String): String = field(cli("signin", "status", id), "state")

    fun devicesJson(name: String): String = cli("device", "list", name)

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        pidFile?.delete()
        dir.deleteRecursively()
    }

    private fun field(json: String, name: String): String =
        Regex("\"$name\":\"([^\"]*)\"").find(json)?.groupValues?.get(1) ?: error("no $name in $json")
}

/**
 * The device-key store implemented in Kotlin, as the Android app does with the
 * AndroidKeyStore provider: P-256 keys from `KeyPairGenerator("EC")` (secp256r1),
 * `Signature("SHA256withECDSA")` (DER, what Nyckel wants), public keys as SEC1 uncompressed
 * points built from the `ECPublicKey`'s affine X/Y.
 *
 * User-verification keys are gated **inside `sign`** by [pinPrompt]: a PIN check standing in
 * for `BiometricPrompt.authenticate(CryptoObject(signature))` on a Keystore key created with
 * `setUserAuthenticationRequired(true)`. `null` means the user dismissed the prompt.
 */
class JvmDeviceKeyStore(
    @Volatile var pinPrompt: () -> String? = { PIN },
) : DeviceKeyStore {
    companion object {
        const val PIN = "2468"
    }

    private class Entry(val pair: KeyPair, val userVerification: Boolean)

    private val keys = ConcurrentHashMap<String, Entry>()
    val prompts = AtomicInteger()
    val uvSignatures = AtomicInteger()
    /** Runs before every key operation (to fail it, or to call back into Nyckel). */
    @Volatile var beforeOperation: (String) -> Unit = {}
    /**
     * How [createAttestedKey] attests a new key (challenge, SEC1 public key → chain); null, the
     * default: this store cannot attest, as a phone without Key Attestation.
     */
    @Volatile var attest: ((ByteArray, ByteArray) -> List<ByteArray>)? = null
    /** The challenges [createAttestedKey] was asked to attest, in order. */
    val attestedChallenges: MutableList<ByteArray> = java.util.Collections.synchronizedList(mutableListOf())

    val aliases: Set<String> get() = keys.keys.toSet()

    override fun createKey(alias: String, userVerification: Boolean): ByteArray {
        beforeOperation("create")
        val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
        if (keys.putIfAbsent(alias, Entry(pair, userVerification)) != null) throw DeviceKeyException.AlreadyExists()
        return sec1(pair.public as ECPublicKey)
    }

    override fun createAttestedKey(alias: String, challenge: ByteArray): AttestedKey? {
        beforeOperation("createAttested")
        val attest = attest ?: return null
        val publicKey = createKey(alias, true)
        attestedChallenges.add(challenge)
        return AttestedKey(publicKey, AttestationFormat.ANDROID_KEY, attest(challenge, publicKey))
    }

    override fun publicKey(alias: String): ByteArray {
        beforeOperation("publicKey")
        return sec1(entry(alias).pair.public as ECPublicKey)
    }

    override fun sign(alias: String, message: ByteArray): ByteArray {
        beforeOperation("sign")
        val entry = entry(alias)
        if (entry.userVerification) {
            prompts.incrementAndGet()
            val pin = pinPrompt() ?: throw DeviceKeyException.UserCancelled()
            if (pin != PIN) throw DeviceKeyException.UserVerificationFailed()
            uvSignatures.incrementAndGet()
        }
        return Signature.getInstance("SHA256withECDSA").run {
            initSign(entry.pair.private)
            update(message)
            sign()
        }
    }

    override fun deleteKey(alias: String) {
        keys.remove(alias)
    }

    private fun entry(alias: String) = keys[alias] ?: throw DeviceKeyException.NotFound()

    /** SEC1 uncompressed point: 0x04 ‖ X ‖ Y, each coordinate 32 bytes big-endian. */
    private fun sec1(key: ECPublicKey): ByteArray =
        byteArrayOf(4) + fixed32(key.w.affineX) + fixed32(key.w.affineY)

    private fun fixed32(n: BigInteger): ByteArray {
        val raw = n.toByteArray() // big-endian, maybe with a leading sign byte or fewer bytes
        return when {
            raw.size == 32 -> raw
            raw.size > 32 -> raw.copyOfRange(raw.size - 32, raw.size)
            else -> ByteArray(32 - raw.size) + raw
        }
    }
}

/**
 * The HTTP client implemented in Kotlin with java.net.http: never follows redirects, times
 * out, returns every status as a response, caps the body at 256 KiB + 1 byte (Nyckel rejects
 * anything over 256 KiB), throws [HttpException.Unreachable] only when no response arrived.
 */
class JavaNetHttpClient : HttpClient {
    private val client = JdkHttpClient.newBuilder()
        .followRedirects(JdkHttpClient.Redirect.NEVER)
        .version(JdkHttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build()

    @Volatile var offline = false
    @Volatile var beforeExecute: (HttpRequest) -> Unit = {}
    val requests = AtomicInteger()

    override fun execute(request: HttpRequest): HttpResponse {
        beforeExecute(request)
        if (offline) throw HttpException.Unreachable("network is unreachable")
        requests.incrementAndGet()
        val body = if (request.body.isEmpty()) JdkHttpRequest.BodyPublishers.noBody()
        else JdkHttpRequest.BodyPublishers.ofByteArray(request.body)
        val builder = JdkHttpRequest.newBuilder(URI.create(request.url))
            .timeout(Duration.ofSeconds(15))
            .method(request.method, body)
        request.headers.forEach { builder.header(it.name, it.value) }
        try {
            val response = client.send(builder.build(), JdkHttpResponse.BodyHandlers.ofInputStream())
            val bytes = response.body().use { it.readNBytes(256 * 1024 + 1) }
            val headers = response.headers().map().flatMap { (name, values) -> values.map { HttpHeader(name, it) } }
            return HttpResponse(response.statusCode().toUShort(), headers, bytes)
        } catch (e: IOException) {
            throw HttpException.Unreachable(e.toString())
        } catch (e: InterruptedException) {
            Thread.currentThread().interrupt()
            throw HttpException.Unreachable("interrupted")
        }
    }
}
