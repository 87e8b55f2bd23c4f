package app.nyckel.app.logic

import java.io.File
import javax.xml.parsers.DocumentBuilderFactory
import org.w3c.dom.Element

/**
 * The app's string resources as the phone shows them, read from the generated
 * `values/strings.xml` (English) and `values-sv/strings.xml` (Swedish), so a test can check
 * what each language says. The tests run from the repository (the xtask's working
 * directory) or below it.
 */
object AppStrings {
    /** android/app, found upwards from the working directory. */
    val appDir: File by lazy {
        generateSequence(File(System.getProperty("user.dir")).absoluteFile) { it.parentFile }
            .map { File(it, "android/app") }
            .firstOrNull { File(it, "src/main/res/values/strings.xml").isFile }
            ?: error("android/app/src/main/res not found above ${System.getProperty("user.dir")}")
    }

    val english: Map<String, String> by lazy { read("values") }
    val swedish: Map<String, String> by lazy { read("values-sv") }

    private fun read(folder: String): Map<String, String> {
        val file = File(appDir, "src/main/res/$folder/strings.xml")
        val doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file)
        val nodes = doc.getElementsByTagName("string")
        return (0 until nodes.length).associate { i ->
            val e = nodes.item(i) as Element
            e.getAttribute("name") to unescape(e.textContent)
        }
    }

    /** Android's resource escapes (`\'`, `\"`, `\n`, `\\`) undone. */
    private fun unescape(text: String): String {
        val out = StringBuilder()
        var i = 0
        while (i < text.length) {
            val c = text[i]
            if (c == '\\' && i + 1 < text.length) {
                out.append(if (text[i + 1] == 'n') '\n' else text[i + 1])
                i += 2
            } else {
                out.append(c)
                i += 1
            }
        }
        return out.toString()
    }
}
