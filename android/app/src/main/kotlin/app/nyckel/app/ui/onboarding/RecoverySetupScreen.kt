package app.nyckel.app.ui.onboarding

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.unit.dp
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.RecoverySetupFlow
import app.nyckel.RecoverySetupFlow.Local
import app.nyckel.RecoverySetupFlow.Step
import app.nyckel.app.AppGraph
import app.nyckel.app.R
import app.nyckel.app.logic.Problem
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.PassphraseField
import app.nyckel.app.ui.common.problemText
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

data class RecoverySetupUi(val step: Step = Step.Choose, val local: Local? = null, val problem: Problem? = null, val busy: Boolean = false)

/** Runs the library's RecoverySetupFlow off the main thread (setting the passphrase runs Argon2id). */
class RecoverySetupViewModel(private val graph: AppGraph) : ViewModel() {
    private val flow = RecoverySetupFlow { secret ->
        graph.session.vaultOrThrow().setPassphrase(secret, null)
        graph.settings.recoveryPassphraseSet = true
        // The first run's backup offer seals with it (not typed again; logic/FirstRunFlow).
        graph.firstRun.value?.recoverySet(secret)
    }
    private val _ui = MutableStateFlow(RecoverySetupUi())
    val ui: StateFlow<RecoverySetupUi> = _ui.asStateFlow()

    fun choosePassphrase() = perform { flow.choosePassphrase() }
    fun chooseCode() = perform { flow.chooseCode() }
    fun codeWrittenDown() = perform { flow.codeWrittenDown() }
    fun showCodeAgain() = perform { flow.showCodeAgain() }
    fun confirmCode(typed: String) = perform { flow.confirmCode(typed) }
    fun submitPassphrase(p: String, c: String) = perform { flow.submitPassphrase(p, c) }
    fun back() = perform { flow.back() }
    fun skip() = perform { flow.skip() }

    private fun perform(action: () -> Unit) {
        if (_ui.value.busy) return
        _ui.value = _ui.value.copy(busy = true)
        viewModelScope.launch {
            val failure = runCatching { withContext(Dispatchers.IO) { action() } }.exceptionOrNull()
            if (flow.step == Step.Skipped) graph.firstRun.value?.recoverySkipped()
            _ui.value = RecoverySetupUi(
                step = flow.step,
                local = flow.local,
                problem = (failure ?: flow.error)?.let(Problem::of)?.takeUnless(Problem::isSilent),
            )
        }
    }

    override fun onCleared() = flow.back() // forgets a generated code not yet confirmed
}

/**
 * First-run recovery (docs/recovery.md, "First-run recovery"), right after a vault was created
 * with biometrics: a recovery passphrase, or a recovery code to write down and type back.
 * Draws the library's RecoverySetupFlow.
 */
@Composable
fun RecoverySetupScreen(onDone: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { RecoverySetupViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()

    Scaffold { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(24.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Text(stringResource(R.string.recovery_title), style = MaterialTheme.typography.headlineSmall)
            if (ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            when (val step = ui.step) {
                Step.Choose -> {
                    Text(stringResource(R.string.recovery_intro))
                    Button(onClick = vm::chooseCode, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.recovery_use_code)) }
                    OutlinedButton(onClick = vm::choosePassphrase, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.recovery_use_passphrase)) }
                    TextButton(onClick = vm::skip) { Text(stringResource(R.string.recovery_skip)) }
                }
                Step.Passphrase -> {
                    var p by remember { mutableStateOf("") }
                    var c by remember { mutableStateOf("") }
                    PassphraseField(p, { p = it }, stringResource(R.string.lock_recovery_passphrase), Modifier.fillMaxWidth())
                    PassphraseField(c, { c = it }, stringResource(R.string.passphrase_confirm), Modifier.fillMaxWidth(), onDone = { vm.submitPassphrase(p, c) })
                    when (ui.local) {
                        Local.TOO_SHORT -> Text(stringResource(R.string.backup_password_too_short, RecoverySetupFlow.MIN_PASSPHRASE), color = MaterialTheme.colorScheme.error)
                        Local.MISMATCH -> Text(stringResource(R.string.passphrase_mismatch), color = MaterialTheme.colorScheme.error)
                        else -> Unit
                    }
                    Button(onClick = { vm.submitPassphrase(p, c) }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.save)) }
                    TextButton(onClick = vm::back) { Text(stringResource(R.string.back)) }
                }
                is Step.ShowCode -> {
                    Text(stringResource(R.string.recovery_write_down))
                    Text(step.code.replace("-", " "), style = MaterialTheme.typography.titleLarge.copy(fontFamily = FontFamily.Monospace))
                    Button(onClick = vm::codeWrittenDown, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.recovery_written_down)) }
                    TextButton(onClick = vm::back) { Text(stringResource(R.string.back)) }
                }
                Step.ConfirmCode -> {
                    var typed by remember { mutableStateOf("") }
                    Text(stringResource(R.string.recovery_type_back))
                    OutlinedTextField(
                        value = typed,
                        onValueChange = { typed = it.take(60) },
                        label = { Text(stringResource(R.string.recovery_code)) },
                        keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.Characters, autoCorrectEnabled = false),
                        modifier = Modifier.fillMaxWidth(),
                    )
                    if (ui.local == Local.NOT_THE_CODE_SHOWN) Text(stringResource(R.string.recovery_not_the_code), color = MaterialTheme.colorScheme.error)
                    Button(onClick = { vm.confirmCode(typed) }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.recovery_confirm)) }
                    TextButton(onClick = vm::showCodeAgain) { Text(stringResource(R.string.recovery_show_again)) }
                }
                is Step.Done -> {
                    Text(stringResource(if (step.byCode) R.string.recovery_done_code else R.string.recovery_done_passphrase))
                    Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
                }
                Step.Skipped -> {
                    Text(stringResource(R.string.recovery_skipped), color = MaterialTheme.colorScheme.error)
                    Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
                }
            }
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
        }
    }
}
