package app.nyckel.app.ui.accounts

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.AccountCode
import app.nyckel.AccountInfo
import app.nyckel.CodeInfo
import app.nyckel.EnrollmentInfo
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.CodeRow
import app.nyckel.app.logic.CodeRows
import app.nyckel.app.logic.Problem
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

data class AccountListUi(
    val loaded: Boolean = false,
    val rows: List<CodeRow> = emptyList(),
    val totalAccounts: Int = 0,
    val enrollments: List<EnrollmentInfo> = emptyList(),
    val query: String = "",
    val problem: Problem? = null,
    /** Shown briefly after a tap ("Code copied"). */
    val copied: Boolean = false,
)

/**
 * The code list. One `codes()` batch call per second while the screen is started (never one
 * call per account); `accounts()` only on start and when [CodeRows] says the cache is stale.
 * HOTP codes only on "generate" (`nextHotpCode`). All calls on Dispatchers.IO via the session.
 */
class AccountListViewModel(private val graph: AppGraph) : ViewModel() {
    private val _ui = MutableStateFlow(AccountListUi())
    val ui: StateFlow<AccountListUi> = _ui.asStateFlow()

    private var accounts: List<AccountInfo> = emptyList()
    private var codes: List<AccountCode> = emptyList()
    private val hotpCodes = mutableMapOf<Long, CodeInfo>()
    private var ticker: Job? = null

    /** The screen is visible: reload the accounts and tick every second. */
    fun start() {
        ticker?.cancel()
        ticker = viewModelScope.launch {
            reloadAccounts()
            while (isActive) {
                tick()
                delay(CodeRows.delayToNextSecond(System.currentTimeMillis()))
            }
        }
    }

    /** Not visible: stop calling into the vault; forget generated HOTP codes. */
    fun stop() {
        ticker?.cancel()
        ticker = null
        hotpCodes.clear()
    }

    fun onQuery(q: String) {
        _ui.update { it.copy(query = q) }
        rebuild()
    }

    fun generateHotp(id: Long) {
        viewModelScope.launch {
            try {
                hotpCodes[id] = graph.session.call { it.nextHotpCode(id) }
                rebuild()
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            }
        }
    }

    fun onCopied() {
        _ui.update { it.copy(copied = true) }
        viewModelScope.launch {
            delay(2_000)
            _ui.update { it.copy(copied = false) }
        }
    }

    fun lockNow() = graph.session.lock()

    fun dismissProblem() = _ui.update { it.copy(problem = null) }

    private suspend fun reloadAccounts() {
        try {
            accounts = graph.session.call { it.accounts() }
            val enrollments = runCatching { graph.session.call { graph.approvals().enrollments() } }.getOrDefault(emptyList())
            _ui.update { it.copy(enrollments = enrollments, totalAccounts = accounts.size) }
        } catch (e: NyckelException) {
            _ui.update { it.copy(problem = Problem.of(e)) }
        }
    }

    private suspend fun tick() {
        try {
            codes = graph.session.call { it.codes() }
            if (rebuild()) {
                reloadAccounts()
                rebuild()
            }
        } catch (e: NyckelException) {
            _ui.update { it.copy(problem = Problem.of(e)) }
        }
    }

    /** Returns true when the account cache is stale. */
    private fun rebuild(): Boolean {
        val list = CodeRows.build(accounts, codes, hotpCodes, _ui.value.query)
        _ui.update { it.copy(loaded = true, rows = list.rows, totalAccounts = accounts.size) }
        return list.accountsStale
    }

    override fun onCleared() {
        hotpCodes.clear()
        codes = emptyList()
    }
}
