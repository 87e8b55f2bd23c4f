package app.nyckel.app.logic

import app.nyckel.AccountCode
import app.nyckel.AccountInfo
import app.nyckel.CodeInfo
import app.nyckel.OtpKind
import app.nyckel.displayTitle
import app.nyckel.grouped
import app.nyckel.remainingFraction

/** One row of the account list, ready to draw. */
data class CodeRow(
    val id: Long,
    val issuer: String,
    val name: String,
    val kind: OtpKind,
    /** "123 456"; null for a HOTP row whose code was not generated yet. */
    val code: String?,
    /** The code as the clipboard gets it (no space). */
    val rawCode: String?,
    val secondsLeft: Int?,
    /** 1.0 → 0.0 for the countdown ring; null for HOTP. */
    val fraction: Float?,
) {
    val title: String get() = displayTitle(issuer, name)
    val isHotp: Boolean get() = kind == OtpKind.HOTP

    /** Never print codes into logs. */
    override fun toString() = "CodeRow(id=$id, kind=$kind)"
}

/** The list plus whether the cached account list is stale (an account appeared or went away). */
data class CodeList(val rows: List<CodeRow>, val accountsStale: Boolean)

/**
 * Builds the account list from one `accounts()` call (cached; all kinds, user's order) and
 * the `codes()` batch of this second (TOTP + Steam only, fresh account info). The screen calls
 * `codes()` once per tick and `accounts()` only when [CodeList.accountsStale] says so, after
 * an edit, or on return from another screen.
 *
 * HOTP codes are never in `codes()` (showing one advances the counter); [hotpCodes] holds the
 * ones the user generated with "generate" (`nextHotpCode`), shown until they leave the screen.
 */
object CodeRows {
    fun build(
        accounts: List<AccountInfo>,
        codes: List<AccountCode>,
        hotpCodes: Map<Long, CodeInfo> = emptyMap(),
        filter: String = "",
    ): CodeList {
        val byId = codes.associateBy { it.account.id }
        val known = accounts.map { it.id }.toSet()
        val stale = codes.any { it.account.id !in known } ||
            accounts.any { it.kind != OtpKind.HOTP && it.id !in byId }
        val rows = accounts.mapNotNull { cached ->
            val fresh = byId[cached.id]
            val account = fresh?.account ?: cached
            val code: CodeInfo? = if (account.kind == OtpKind.HOTP) hotpCodes[account.id] else fresh?.code
            if (account.kind != OtpKind.HOTP && code == null) return@mapNotNull null // deleted meanwhile
            CodeRow(
                id = account.id,
                issuer = account.issuer,
                name = account.name,
                kind = account.kind,
                code = code?.grouped,
                rawCode = code?.code,
                secondsLeft = code?.secondsLeft?.toInt(),
                fraction = code?.remainingFraction,
            )
        }
        return CodeList(rows.filter { matches(it, filter) }, stale)
    }

    /** Case-insensitive search over issuer and name. */
    fun matches(row: CodeRow, filter: String): Boolean {
        val f = filter.trim()
        return f.isEmpty() || row.issuer.contains(f, ignoreCase = true) || row.name.contains(f, ignoreCase = true)
    }

    /**
     * Milliseconds until the next whole second, so the list ticks when codes change rather
     * than up to a second late.
     */
    fun delayToNextSecond(nowMillis: Long): Long = 1000 - (nowMillis % 1000).let { if (it < 0) it + 1000 else it }
}
