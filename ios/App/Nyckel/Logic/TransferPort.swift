import Foundation
import Nyckel

/// The library calls the import, backup and restore screens make (docs/mobile.md, "Import
/// and export"), as one protocol so the flows (`ImportFlow`, `BackupFlow`) are tested without
/// a vault. Every call blocks (Argon2id, scrypt, SQLite): run them through `Blocking.run`.
/// Mirrors the Android app's `logic/TransferPort.kt`.
protocol TransferPort {
    func inspect(data: Data, format: String?) throws -> ImportFileInfo
    func importFile(data: Data, format: String?, password: String?, dryRun: Bool, keepGood: Bool) throws -> ImportSummary
    func transferProgress(payloads: [String]) throws -> TransferProgress
    func importTransfer(payloads: [String], dryRun: Bool, keepGood: Bool) throws -> ImportSummary
    func backupPlan() throws -> ExportPlan
    func backup(password: String) throws -> Backup
}

/// A written Nyckel backup: the sealed file and what it does not hold.
struct Backup: CustomStringConvertible {
    var bytes: Data
    var accounts: Int
    var leftOut: [LeftOut]
    var description: String { "Backup(\(bytes.count) bytes, \(accounts) accounts, \(leftOut.count) left out)" }
}

/// `TransferPort` over the vault: each method is one library call, nothing decided here.
struct VaultTransferPort: TransferPort {
    let vault: NyckelVault

    func inspect(data: Data, format: String?) throws -> ImportFileInfo {
        try inspectImportFile(data: data, format: format)
    }
    func importFile(data: Data, format: String?, password: String?, dryRun: Bool, keepGood: Bool) throws -> ImportSummary {
        try vault.importFile(data: data, format: format, password: password, dryRun: dryRun, keepGood: keepGood)
    }
    func transferProgress(payloads: [String]) throws -> TransferProgress {
        try googleTransferProgress(payloads: payloads)
    }
    func importTransfer(payloads: [String], dryRun: Bool, keepGood: Bool) throws -> ImportSummary {
        try vault.importGoogleTransfer(payloads: payloads, dryRun: dryRun, keepGood: keepGood)
    }
    func backupPlan() throws -> ExportPlan {
        try vault.exportPlan(format: .nyckel)
    }
    func backup(password: String) throws -> Backup {
        let out = try vault.export(format: .nyckel, password: password)
        return Backup(bytes: out.bytes(), accounts: out.exportedAccountIds().count, leftOut: out.leftOut())
    }
}
