package app.nyckel.app.ui.approvals

import android.os.SystemClock
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import app.nyckel.FetchFailure
import app.nyckel.NyckelException
import app.nyckel.ReportOutcome
import app.nyckel.SignInOutcome
import app.nyckel.SignInRequest
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.Countdown
import app.nyckel.app.logic.NumberEntry
import app.nyckel.app.logic.Problem
import app.nyckel.app.security.KeystoreDeviceKeyStore
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch

data class ApprovalUi(
    val loading: Boolean = true,
    val request: SignInRequest? = null,
    /** Other requests waiting after this one. */
    val queued: Int = 0,
    val failures: List<FetchFailure> = emptyList(),
    val secondsLeft: Long = 0,
    val number: String = "",
    val busy: Boolean = false,
    val outcome: SignInOutcome? = null,
    /** After a report: until when the provider blocks new sign-ins and whom to contact. */
    val reported: ReportOutcome? = null,
    /** A final answer from the provider that ends this request (wrong number, expired, answered elsewhere). */
    val finalProblem: Problem? = null,
    /** A problem after which the request can still be answered (no network, prompt cancelled…). */
    val problem: Problem? = null,
    val confirmReport: Boolean = false,
) {
    val canApprove: Boolean get() = request != null && !busy && outcome == null && finalProblem == null &&
        secondsLeft > 0 && NumberEntry.parse(number) != null
}

/**
 * "Are you trying to sign in?" The push only said *that* something is waiting (a request id);
 * this screen fetches and verifies the request itself (`pendingRequests()`), shows its context,
 * and answers with `approve(requestId, number)` / `deny` / `report`. All calls on IO. A
 * passwordless approval signs with the phone-sign-in key: BiometricPrompt shows inside
 * `DeviceKeyStore.sign`, on this screen.
 */
class ApprovalViewModel(private val graph: AppGraph) : ViewModel() {
    private val _ui = MutableStateFlow(ApprovalUi())
    val ui: StateFlow<ApprovalUi> = _ui.asStateFlow()
    private var countdown: Countdown? = null
    private var pending: List<SignInRequest> = emptyList()
    private var poller: Job? = null

    /** The screen is visible: fetch now, then every few seconds while nothing is shown. */
    fun start() {
        poller?.cancel()
        poller = viewModelScope.launch {
            refresh()
            while (isActive) {
                delay(1_000)
                tickCountdown()
                val s = _ui.value
                if (s.request == null && !s.busy && ++idleSeconds % POLL_SECONDS == 0) refresh()
            }
        }
    }

    private var idleSeconds = 0

    fun stop() {
        poller?.cancel()
        poller = null
    }

    fun refresh() {
        viewModelScope.launch {
            _ui.update { it.copy(loading = true) }
            try {
                val result = graph.session.call { graph.approvals().pendingRequests() }
                pending = result.requests
                val wanted = graph.pendingRequestId.value
                graph.pendingRequestId.value = null
                val current = _ui.value.request?.takeIf { r -> pending.any { it.requestId == r.requestId } && _ui.value.outcome == null }
                val next = current ?: pending.firstOrNull { it.requestId == wanted } ?: pending.firstOrNull()
                if (next?.requestId != _ui.value.request?.requestId) show(next)
                _ui.update { it.copy(failures = result.failures, queued = (pending.size - 1).coerceAtLeast(0)) }
            } catch (e: NyckelException) {
                _ui.update { it.copy(problem = Problem.of(e)) }
            } finally {
                _ui.update { it.copy(loading = false) }
            }
        }
    }

    private fun show(request: SignInRequest?) {
        countdown = request?.let { Countdown(it.secondsLeft, SystemClock.elapsedRealtime()) }
        _ui.update {
            it.copy(
                request = request, number = "", outcome = null, reported = null, finalProblem = null, problem = null, confirmReport = false,
                secondsLeft = countdown?.secondsLeft(SystemClock.elapsedRealtime()) ?: 0,
            )
        }
    }

    private fun tickCountdown() {
        val c = countdown ?: return
        val left = c.secondsLeft(SystemClock.elapsedRealtime())
        _ui.update {
            if (left == 0L && it.outcome == null && it.finalProblem == null) {
                it.copy(secondsLeft = 0, finalProblem = Problem(Problem.Kind.REQUEST_EXPIRED))
            } else {
                it.copy(secondsLeft = left)
            }
        }
    }

    fun onNumber(text: String) = _ui.update { it.copy(number = NumberEntry.sanitize(text), problem = null) }

    fun approve() {
        val s = _ui.value
        val request = s.request ?: return
        val number = NumberEntry.parse(s.number) ?: return
        decide { Decided(graph.approvals().approve(request.requestId, number)) }
    }

    fun deny() {
        val request = _ui.value.request ?: return
        decide { Decided(graph.approvals().deny(request.requestId)) }
    }

    fun askReport(show: Boolean) = _ui.update { it.copy(confirmReport = show) }

    fun report() {
        val request = _ui.value.request ?: return
        _ui.update { it.copy(confirmReport = false) }
        decide { Decided(SignInOutcome.REPORTED, graph.approvals().report(request.requestId)) }
    }

    /** Shows the next waiting request, or tells the screen there is none. */
    fun next(): Boolean {
        val done = _ui.value.request?.requestId
        pending = pending.filter { it.requestId != done }
        val n = pending.firstOrNull()
        show(n)
        _ui.update { it.copy(queued = (pending.size - 1).coerceAtLeast(0)) }
        return n != null
    }

    /** What the provider did with the answer; a report also says until when it blocks. */
    private data class Decided(val outcome: SignInOutcome, val reported: ReportOutcome? = null)

    private fun decide(call: () -> Decided) {
        if (_ui.value.busy) return
        _ui.update { it.copy(busy = true, problem = null) }
        viewModelScope.launch {
            try {
                val decided = graph.session.call {
                    graph.deviceKeys.withPurpose(KeystoreDeviceKeyStore.Purpose.APPROVE_SIGN_IN, call)
                }
                countdown = null
                _ui.update { it.copy(outcome = decided.outcome, reported = decided.reported, number = "") }
            } catch (e: NyckelException) {
                val p = Problem.of(e)
                if (p.endsRequest) { // the library says this request can no longer be answered
                    countdown = null
                    _ui.update { it.copy(finalProblem = p, number = "") }
                } else {
                    // Cancelled prompt: silent, the request is still pending and can be answered.
                    _ui.update { it.copy(problem = p.takeUnless(Problem::isSilent)) }
                }
            } finally {
                _ui.update { it.copy(busy = false) }
            }
        }
    }

    private companion object {
        const val POLL_SECONDS = 5
    }
}
