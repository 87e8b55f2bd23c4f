package app.nyckel.app.logic

import app.nyckel.NextStep
import app.nyckel.NyckelException
import app.nyckel.StorageFault
import app.nyckel.app.logic.Problem.Kind
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

/**
 * A failed read or write says what happened and what to do, by the library's `StorageFault`,
 * in English and Swedish (the strings the phone shows, from `values/` and `values-sv/`).
 */
class StorageProblemTest {
    /** The problem a `Storage` error with [fault] becomes, and its sentence in each language. */
    private fun says(fault: StorageFault, kind: Kind, en: List<String>, sv: List<String>) {
        val problem = Problem.of(NyckelException.Storage("SQLITE_FULL: database or disk is full", fault))
        assertEquals(kind, problem.kind, "$fault")
        assertEquals(NextStep.TRY_AGAIN, problem.nextStep, "the library's next step is kept")
        assertFalse(problem.endsRequest, "a failed write leaves a sign-in request answerable")
        val english = AppStrings.english.getValue(kind.resourceName)
        val swedish = AppStrings.swedish.getValue(kind.resourceName)
        en.forEach { assertTrue(english.contains(it), "English for $fault lacks \"$it\": $english") }
        sv.forEach { assertTrue(swedish.contains(it), "Swedish for $fault lacks \"$it\": $swedish") }
        assertFalse(english.contains("SQLITE"), "never the library's own text")
    }

    @Test
    fun `a full disk says nothing was changed and to free some space`() = says(
        StorageFault.DISK_FULL, Kind.STORAGE_DISK_FULL,
        en = listOf("storage is full", "Nothing was changed", "Free some space"),
        sv = listOf("lagring är full", "Inget ändrades", "Frigör utrymme"),
    )

    @Test
    fun `a file at its size limit says so and to free some space`() = says(
        StorageFault.FILE_TOO_LARGE, Kind.STORAGE_FILE_TOO_LARGE,
        en = listOf("may not grow any larger", "Nothing was changed", "Free some space"),
        sv = listOf("får inte bli större", "Inget ändrades", "Frigör utrymme"),
    )

    @Test
    fun `a read-only file says codes still work and to restart`() = says(
        StorageFault.READ_ONLY, Kind.STORAGE_READ_ONLY,
        en = listOf("read-only", "Nothing was changed", "codes can still be shown", "Restart the phone"),
        sv = listOf("skrivskyddad", "Inget ändrades", "koder kan fortfarande visas", "Starta om telefonen"),
    )

    @Test
    fun `a missing permission says so and what to do`() = says(
        StorageFault.PERMISSION_DENIED, Kind.STORAGE_PERMISSION_DENIED,
        en = listOf("not allowed to change", "Nothing was changed", "Restart the phone", "Settings → Back up"),
        sv = listOf("får inte ändra", "Inget ändrades", "Starta om telefonen", "Inställningar → Säkerhetskopiera"),
    )

    @Test
    fun `a file held by another process says to try again in a moment`() = says(
        StorageFault.BUSY, Kind.STORAGE_BUSY,
        en = listOf("in use by another process", "Nothing was changed", "try again in a moment"),
        sv = listOf("används av en annan process", "Inget ändrades", "försök igen om en stund"),
    )

    @Test
    fun `a device error says to make a backup while the file can be read`() = says(
        StorageFault.IO, Kind.STORAGE_IO,
        en = listOf("reported an error", "Nothing was changed", "make a backup now", "can still be read"),
        sv = listOf("rapporterade ett fel", "Inget ändrades", "gör en säkerhetskopia nu", "går att läsa"),
    )

    @Test
    fun `any other failure says nothing was changed and to try again`() = says(
        StorageFault.OTHER, Kind.STORAGE,
        en = listOf("could not read or write", "Nothing was changed", "try again"),
        sv = listOf("kunde inte läsa eller skriva", "Inget ändrades", "försök igen"),
    )

    /**
     * Every fault has a sentence of its own (`storageKind` is an exhaustive `when` with no
     * `else`, so a new fault does not compile until it has one), in both languages.
     */
    @Test
    fun `every fault has its own sentence in both languages`() {
        val kinds = StorageFault.values().map { Problem.storageKind(it) }
        assertEquals(StorageFault.values().size, kinds.toSet().size, "one sentence per fault: $kinds")
        for (kind in kinds) {
            val en = AppStrings.english[kind.resourceName]
            val sv = AppStrings.swedish[kind.resourceName]
            assertTrue(!en.isNullOrBlank() && !sv.isNullOrBlank(), "$kind: en=$en sv=$sv")
            assertNotEquals(en, sv, "$kind is translated")
        }
        assertEquals(
            StorageFault.values().size,
            kinds.map { AppStrings.english.getValue(it.resourceName) }.toSet().size,
            "no two faults say the same",
        )
    }
}
