package app.nyckel.app

import android.content.ContentResolver
import android.net.Uri
import android.provider.DocumentsContract
import app.nyckel.BackupFolder
import java.io.IOException

/**
 * The folder the user chose for automatic backups (`OpenDocumentTree`, its permission kept
 * with `takePersistableUriPermission`), by the operations `AtomicBackupWriter` needs, over
 * DocumentsContract. Any provider failure — the permission withdrawn, the folder deleted, the
 * provider offline — is an [IOException], which the backup reports and tries again later.
 */
class SafBackupFolder(private val resolver: ContentResolver, private val tree: Uri) : BackupFolder {
    private val folder: Uri by lazy {
        DocumentsContract.buildDocumentUriUsingTree(tree, DocumentsContract.getTreeDocumentId(tree))
    }

    override fun exists(name: String) = find(name) != null

    override fun write(name: String, bytes: ByteArray) = io("write $name") {
        // octet-stream: a provider appends no extension to `name.new`.
        val doc = find(name) ?: DocumentsContract.createDocument(resolver, folder, "application/octet-stream", name)
            ?: throw IOException("cannot create $name")
        (resolver.openOutputStream(doc, "wt") ?: throw IOException("cannot open $name")).use { it.write(bytes) }
    }

    override fun rename(from: String, to: String) = io("rename $from") {
        val doc = find(from) ?: throw IOException("no $from")
        DocumentsContract.renameDocument(resolver, doc, to) ?: throw IOException("cannot rename $from")
        Unit
    }

    override fun delete(name: String) = io("delete $name") {
        val doc = find(name) ?: return@io
        if (!DocumentsContract.deleteDocument(resolver, doc)) throw IOException("cannot delete $name")
    }

    /** The document called [name] in the folder, or null. */
    private fun find(name: String): Uri? = io("list the folder") {
        val children = DocumentsContract.buildChildDocumentsUriUsingTree(tree, DocumentsContract.getDocumentId(folder))
        val columns = arrayOf(DocumentsContract.Document.COLUMN_DOCUMENT_ID, DocumentsContract.Document.COLUMN_DISPLAY_NAME)
        val cursor = resolver.query(children, columns, null, null, null) ?: throw IOException("the folder cannot be read")
        cursor.use {
            while (it.moveToNext()) {
                if (it.getString(1) == name) return@io DocumentsContract.buildDocumentUriUsingTree(tree, it.getString(0))
            }
        }
        null
    }

    /** Runs [block], turning the providers' unchecked failures into [IOException]. */
    private inline fun <T> io(what: String, block: () -> T): T = try {
        block()
    } catch (e: IOException) {
        throw e
    } catch (e: RuntimeException) { // SecurityException (permission withdrawn), IllegalArgumentException, …
        throw IOException("$what: ${e.javaClass.simpleName}")
    }
}
