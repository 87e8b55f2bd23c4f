package app.nyckel.app.logic

import app.nyckel.ActivityEvent
import app.nyckel.ActivityInfo
import app.nyckel.displayTitle

/** One line of the activity screen. */
data class ActivityRow(
    val id: Long,
    /** Unix seconds. */
    val at: Long,
    val kind: Kind,
    /** The account ("Region Skåne (anna)") or, for [Kind.OTHER], the library's English summary. */
    val subject: String,
    /** How many accounts an export covered (1 for a single QR). */
    val count: Int = 0,
    val format: String = "",
) {
    enum class Kind { ADDED, EDITED, REMOVED, EXPORTED, OTHER }

    companion object {
        fun of(info: ActivityInfo): ActivityRow = when (val e = info.event) {
            is ActivityEvent.AccountAdded -> ActivityRow(info.id, info.at, Kind.ADDED, displayTitle(e.issuer, e.name))
            is ActivityEvent.AccountEdited -> ActivityRow(info.id, info.at, Kind.EDITED, displayTitle(e.issuer, e.name))
            is ActivityEvent.AccountRemoved -> ActivityRow(info.id, info.at, Kind.REMOVED, displayTitle(e.issuer, e.name))
            is ActivityEvent.Exported -> ActivityRow(info.id, info.at, Kind.EXPORTED, "", e.accountIds.size, e.format)
            // Sign-in approvals, enrollments, phone sign-in: until the bindings model them,
            // the summary line is what there is (English).
            else -> ActivityRow(info.id, info.at, Kind.OTHER, info.summary)
        }
    }
}
