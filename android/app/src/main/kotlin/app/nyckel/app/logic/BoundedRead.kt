package app.nyckel.app.logic

import java.io.IOException
import java.io.InputStream

/**
 * Reads a picked file into memory, refusing one larger than the library accepts for an import
 * (32 MiB, `MAX_IMPORT_BYTES` in core) before it fills the memory.
 */
object BoundedRead {
    const val MAX_BYTES = 32 * 1024 * 1024

    /** The stream's bytes; [IOException] when it holds more than [max]. */
    fun read(input: InputStream, max: Int = MAX_BYTES): ByteArray {
        // Not InputStream.readNBytes: Android has it only from API 33.
        val out = java.io.ByteArrayOutputStream()
        val buffer = ByteArray(64 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) break
            if (out.size() + n > max) throw IOException("the file is larger than $max bytes")
            out.write(buffer, 0, n)
        }
        return out.toByteArray()
    }
}
