package app.nyckel.app.logic

/**
 * The two-digit number the user copies from the sign-in screen (protocol §5: 10–99).
 */
object NumberEntry {
    const val LENGTH = 2

    /** What the text field keeps of the user's input: digits only, at most two. */
    fun sanitize(input: String): String = input.filter { it in '0'..'9' }.take(LENGTH)

    /** The number to send, or null while the input is not a valid two-digit number. */
    fun parse(text: String): UByte? {
        if (text.length != LENGTH || text.any { it !in '0'..'9' }) return null
        val n = text.toInt()
        return if (n in 10..99) n.toUByte() else null
    }
}
