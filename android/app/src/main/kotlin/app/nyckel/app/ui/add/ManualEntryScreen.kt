package app.nyckel.app.ui.add

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SegmentedButton
import androidx.compose.material3.SegmentedButtonDefaults
import androidx.compose.material3.SingleChoiceSegmentedButtonRow
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.HashAlgorithm
import app.nyckel.OtpKind
import app.nyckel.app.R
import app.nyckel.app.logic.ManualEntryForm.Field
import app.nyckel.app.logic.ManualEntryForm.Problem as FieldProblem
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText

/** "Enter a setup key": the same validation as a scanned code (`addManual`). */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ManualEntryScreen(onBack: () -> Unit, onAdded: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { ManualEntryViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val form = ui.form
    val problems = if (ui.showProblems) form.problems() else emptyMap()
    var advanced by remember { mutableStateOf(false) }

    @Composable
    fun fieldError(field: Field): (@Composable () -> Unit)? = problems[field]?.let { p ->
        {
            Text(
                stringResource(
                    when (p) {
                        FieldProblem.REQUIRED -> R.string.field_required
                        FieldProblem.NOT_A_NUMBER -> R.string.field_not_a_number
                    },
                ),
            )
        }
    }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.add_manual)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            val kinds = listOf(OtpKind.TOTP to R.string.kind_totp_short, OtpKind.HOTP to R.string.kind_hotp_short, OtpKind.STEAM to R.string.kind_steam)
            SingleChoiceSegmentedButtonRow(Modifier.fillMaxWidth()) {
                kinds.forEachIndexed { i, (kind, label) ->
                    SegmentedButton(
                        selected = form.kind == kind,
                        onClick = { vm.edit { it.copy(kind = kind) } },
                        shape = SegmentedButtonDefaults.itemShape(i, kinds.size),
                    ) { Text(stringResource(label)) }
                }
            }
            OutlinedTextField(
                value = form.issuer, onValueChange = { v -> vm.edit { it.copy(issuer = v) } },
                label = { Text(stringResource(R.string.field_issuer)) }, singleLine = true, modifier = Modifier.fillMaxWidth(),
                supportingText = fieldError(Field.NAME),
            )
            OutlinedTextField(
                value = form.name, onValueChange = { v -> vm.edit { it.copy(name = v) } },
                label = { Text(stringResource(R.string.field_account)) }, singleLine = true, modifier = Modifier.fillMaxWidth(),
            )
            OutlinedTextField(
                value = form.secret, onValueChange = { v -> vm.edit { it.copy(secret = v) } },
                label = { Text(stringResource(R.string.field_secret)) },
                // Password keyboard: no suggestions, no learning of the secret by the keyboard.
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password, autoCorrectEnabled = false, capitalization = KeyboardCapitalization.Characters),
                singleLine = true, modifier = Modifier.fillMaxWidth(),
                supportingText = fieldError(Field.SECRET) ?: { Text(stringResource(R.string.field_secret_help)) },
            )
            TextButton(onClick = { advanced = !advanced }) {
                Text(stringResource(if (advanced) R.string.manual_hide_advanced else R.string.manual_show_advanced))
            }
            if (advanced) {
                if (form.kind != OtpKind.STEAM) {
                    val algorithms = HashAlgorithm.entries
                    SingleChoiceSegmentedButtonRow(Modifier.fillMaxWidth()) {
                        algorithms.forEachIndexed { i, a ->
                            SegmentedButton(
                                selected = form.algorithm == a,
                                onClick = { vm.edit { it.copy(algorithm = a) } },
                                shape = SegmentedButtonDefaults.itemShape(i, algorithms.size),
                            ) { Text(a.name) }
                        }
                    }
                }
                Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                    if (form.kind != OtpKind.STEAM) {
                        OutlinedTextField(
                            value = form.digits, onValueChange = { v -> vm.edit { it.copy(digits = v) } },
                            label = { Text(stringResource(R.string.field_digits)) }, singleLine = true, modifier = Modifier.weight(1f),
                            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), supportingText = fieldError(Field.DIGITS),
                        )
                    }
                    if (form.kind == OtpKind.HOTP) {
                        OutlinedTextField(
                            value = form.counter, onValueChange = { v -> vm.edit { it.copy(counter = v) } },
                            label = { Text(stringResource(R.string.field_counter)) }, singleLine = true, modifier = Modifier.weight(1f),
                            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), supportingText = fieldError(Field.COUNTER),
                        )
                    } else {
                        OutlinedTextField(
                            value = form.period, onValueChange = { v -> vm.edit { it.copy(period = v) } },
                            label = { Text(stringResource(R.string.field_period)) }, singleLine = true, modifier = Modifier.weight(1f),
                            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number), supportingText = fieldError(Field.PERIOD),
                        )
                    }
                }
            }
            OutlinedTextField(
                value = form.note, onValueChange = { v -> vm.edit { it.copy(note = v) } },
                label = { Text(stringResource(R.string.field_note)) }, modifier = Modifier.fillMaxWidth(),
            )
            ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
            Button(onClick = vm::add, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.add_account)) }
        }
    }

    val warnings = ui.addedWarnings
    LaunchedEffect(warnings) { if (warnings != null && warnings.isEmpty()) onAdded() }
    if (!warnings.isNullOrEmpty()) {
        AlertDialog(
            onDismissRequest = onAdded,
            title = { Text(stringResource(R.string.manual_added_with_warnings)) },
            text = { Column { warnings.forEach { Text("• $it") } } },
            confirmButton = { TextButton(onClick = onAdded) { Text(stringResource(R.string.ok)) } },
        )
    }
}
