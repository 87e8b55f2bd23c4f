package app.nyckel.app.logic

import app.nyckel.ActivityEvent
import app.nyckel.ActivityInfo
import kotlin.test.Test
import kotlin.test.assertEquals

class ActivityRowsTest {
    @Test
    fun `structured events become localisable rows, others keep the summary`() {
        val added = ActivityRow.of(ActivityInfo(1, 100, ActivityEvent.AccountAdded(7, "ACME", "anna"), "added ACME (anna)"))
        assertEquals(ActivityRow.Kind.ADDED, added.kind)
        assertEquals("ACME (anna)", added.subject)
        val export = ActivityRow.of(ActivityInfo(2, 101, ActivityEvent.Exported(listOf(7, 8), "qr"), "exported 2 account(s) as qr"))
        assertEquals(ActivityRow.Kind.EXPORTED, export.kind)
        assertEquals(2, export.count)
        assertEquals("qr", export.format)
        val other = ActivityRow.of(ActivityInfo(3, 102, ActivityEvent.Other("x"), "approve push sign-in of anna to Portal: approved"))
        assertEquals(ActivityRow.Kind.OTHER, other.kind)
        assertEquals("approve push sign-in of anna to Portal: approved", other.subject)
    }

    @Test
    fun `sign-ins are told apart by the provider's answer`() {
        fun signIn(result: String) = ActivityRow.of(
            ActivityInfo(4, 103, ActivityEvent.SignIn(1, "anna", "Portal", "203.0.113.7", "Stockholm, SE", "approve", result, true), "…"),
        )
        val ok = signIn("approved")
        assertEquals(ActivityRow.Kind.SIGN_IN_APPROVED, ok.kind)
        assertEquals("Stockholm, SE, 203.0.113.7", ok.place)
        assertEquals("Portal", ok.app)
        assertEquals(true, ok.passwordless)
        assertEquals(ActivityRow.Kind.SIGN_IN_DENIED, signIn("denied").kind)
        assertEquals(ActivityRow.Kind.SIGN_IN_REPORTED, signIn("reported").kind)
        assertEquals(ActivityRow.Kind.SIGN_IN_FAILED, signIn("wrong_number").kind)
        assertEquals(ActivityRow.Kind.SIGN_IN_FAILED, signIn("not delivered").kind)
        val on = ActivityRow.of(ActivityInfo(5, 104, ActivityEvent.PhoneSignin(1, "anna", true), "…"))
        assertEquals(ActivityRow.Kind.PHONE_SIGNIN_ENABLED, on.kind)
    }
}
