package app.nyckel.app.logic

import app.nyckel.ExportFormat
import app.nyckel.ExportPlan
import app.nyckel.ImportFileInfo
import app.nyckel.ImportSummary
import app.nyckel.LeftOut
import app.nyckel.NyckelVault
import app.nyckel.TransferProgress
import app.nyckel.googleTransferProgress
import app.nyckel.inspectImportFile

/**
 * The library calls the import, backup and restore screens make (docs/mobile.md, "Import and
 * export"), as one interface so the flows ([ImportFlow], [BackupFlow]) are tested without a
 * vault. Every call blocks (Argon2id, scrypt, SQLite): run them off the main thread.
 */
interface TransferPort {
    fun inspect(data: ByteArray, format: String?): ImportFileInfo
    fun importFile(data: ByteArray, format: String?, password: String?, dryRun: Boolean, keepGood: Boolean): ImportSummary
    fun transferProgress(payloads: List<String>): TransferProgress
    fun importTransfer(payloads: List<String>, dryRun: Boolean, keepGood: Boolean): ImportSummary
    fun backupPlan(): ExportPlan
    fun backup(password: String): Backup
}

/** A written Nyckel backup: the file's bytes (sealed) and what it does not hold. */
class Backup(val bytes: ByteArray, val accounts: Int, val leftOut: List<LeftOut>) {
    override fun toString() = "Backup(${bytes.size} bytes, $accounts accounts, ${leftOut.size} left out)"
}

/** [TransferPort] over the vault: each method is one library call, nothing decided here. */
class VaultTransferPort(private val vault: NyckelVault) : TransferPort {
    override fun inspect(data: ByteArray, format: String?) = inspectImportFile(data, format)
    override fun importFile(data: ByteArray, format: String?, password: String?, dryRun: Boolean, keepGood: Boolean) =
        vault.importFile(data, format, password, dryRun, keepGood)
    override fun transferProgress(payloads: List<String>) = googleTransferProgress(payloads)
    override fun importTransfer(payloads: List<String>, dryRun: Boolean, keepGood: Boolean) =
        vault.importGoogleTransfer(payloads, dryRun, keepGood)
    override fun backupPlan() = vault.exportPlan(ExportFormat.NYCKEL)
    override fun backup(password: String): Backup = vault.export(ExportFormat.NYCKEL, password).use {
        Backup(it.bytes(), it.exportedAccountIds().size, it.leftOut())
    }
}
