package app.nyckel.app.logic

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull

class NumberEntryTest {
    @Test
    fun `keeps two digits`() {
        assertEquals("42", NumberEntry.sanitize("42"))
        assertEquals("42", NumberEntry.sanitize("4a2"))
        assertEquals("42", NumberEntry.sanitize("427"))
        assertEquals("", NumberEntry.sanitize(" -"))
        assertEquals("23", NumberEntry.sanitize("١2 3")) // Arabic-Indic digit dropped: only ASCII digits
    }

    @Test
    fun `only 10 to 99 parse`() {
        assertEquals(42.toUByte(), NumberEntry.parse("42"))
        assertEquals(10.toUByte(), NumberEntry.parse("10"))
        assertEquals(99.toUByte(), NumberEntry.parse("99"))
        assertNull(NumberEntry.parse("09"))
        assertNull(NumberEntry.parse("4"))
        assertNull(NumberEntry.parse("100"))
        assertNull(NumberEntry.parse(""))
        assertNull(NumberEntry.parse("4 "))
        assertNull(NumberEntry.parse("+4"))
    }
}
