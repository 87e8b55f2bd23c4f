package app.nyckel.app.ui.details

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.AccountChanges
import app.nyckel.AccountInfo
import app.nyckel.NyckelException
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Problem
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

data class AccountDetailsUi(
    val account: AccountInfo? = null,
    val issuer: String = "",
    val name: String = "",
    val note: String = "",
    /** The push-approval enrollment this account came with, if any. */
    val enrollmentId: Long? = null,
    val confirmDelete: Boolean = false,
    val busy: Boolean = false,
    val saved: Boolean = false,
    val deleted: Boolean = false,
    val problem: Problem? = null,
) {
    val dirty: Boolean get() = account != null && (issuer != account.issuer || name != account.name || note != account.note)
}

/** Rename, note, delete (`updateAccount`, `deleteAccount`); "Show QR code" is its own screen. */
class AccountDetailsViewModel(private val graph: AppGraph, private val id: Long) : ViewModel() {
    private val _ui = MutableStateFlow(AccountDetailsUi())
    val ui: StateFlow<AccountDetailsUi> = _ui.asStateFlow()

    init {
        viewModelScope.launch {
            try {
                val a = graph.session.call { it.account(id) }
                val enrollment = runCatching {
                    graph.session.call { graph.approvals().enrollments() }.firstOrNull { it.otpAccountId == id }?.id
                }.getOrNull()
                _ui.update { it.copy(account = a, issuer = a.issuer, name = a.name, note = a.note, enrollmentId = enrollment) }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            }
        }
    }

    fun edit(issuer: String? = null, name: String? = null, note: String? = null) = _ui.update {
        it.copy(issuer = issuer ?: it.issuer, name = name ?: it.name, note = note ?: it.note, saved = false)
    }

    fun save() {
        val s = _ui.value
        val a = s.account ?: return
        val changes = AccountChanges(
            issuer = s.issuer.trim().takeIf { it != a.issuer },
            name = s.name.trim().takeIf { it != a.name },
            note = s.note.takeIf { it != a.note },
        )
        launch {
            val updated = graph.session.call { it.updateAccount(id, changes) }
            _ui.update { it.copy(account = updated, issuer = updated.issuer, name = updated.name, note = updated.note, saved = true) }
        }
    }

    fun askDelete(show: Boolean) = _ui.update { it.copy(confirmDelete = show) }

    fun delete() {
        _ui.update { it.copy(confirmDelete = false) }
        launch {
            graph.session.call { it.deleteAccount(id) }
            _ui.update { it.copy(deleted = true) }
        }
    }

    private fun launch(block: suspend () -> Unit) {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                block()
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }
}
