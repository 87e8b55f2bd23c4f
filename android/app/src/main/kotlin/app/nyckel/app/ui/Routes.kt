package app.nyckel.app.ui

/** Navigation routes. Secrets never travel in routes (see AppGraph.scanned). */
object Routes {
    const val ACCOUNTS = "accounts"
    const val ADD = "add"
    const val SCAN = "scan"
    const val PREVIEW = "preview"
    const val MANUAL = "manual"
    const val ACCOUNT = "account/{id}"
    const val EXPORT = "account/{id}/qr"
    const val ACTIVITY = "activity"
    const val SETTINGS = "settings"
    const val APPROVE = "approve"
    const val ENROLL = "enroll"
    const val ENROLLMENT = "enrollment/{id}"
    const val IMPORT = "import"
    const val BACKUP = "backup"
    const val AUTO_BACKUP = "backup/auto"
    const val RESTORE = "restore"
    const val MOVE_OUT = "move/out"
    const val MOVE_IN = "move/in"
    const val RECOVERY_SETUP = "recovery/setup"
    const val FIRST_RUN_BACKUP = "first-run/backup"

    fun account(id: Long) = "account/$id"
    fun export(id: Long) = "account/$id/qr"
    fun enrollment(id: Long) = "enrollment/$id"
}
