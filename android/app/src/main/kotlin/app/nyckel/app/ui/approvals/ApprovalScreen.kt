package app.nyckel.app.ui.approvals

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import androidx.lifecycle.compose.LifecycleStartEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.ReportOutcome
import app.nyckel.SignInOutcome
import app.nyckel.SignInRequest
import app.nyckel.app.R
import app.nyckel.app.logic.Countdown
import app.nyckel.app.logic.Problem
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import java.text.DateFormat
import java.util.Date

/** Microsoft-Authenticator-style approval with number matching. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ApprovalScreen(onDone: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { ApprovalViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    LifecycleStartEffect(vm) {
        vm.start()
        onStopOrDispose { vm.stop() }
    }

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.approvals_title)) }, navigationIcon = { BackButton(onDone) }) }) { padding ->
        Column(
            Modifier.fillMaxSize().padding(padding).padding(16.dp).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            if (ui.loading || ui.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
            val request = ui.request
            when {
                request == null && !ui.loading -> {
                    Text(stringResource(R.string.approvals_none), style = MaterialTheme.typography.titleMedium)
                    Text(stringResource(R.string.approvals_none_body))
                    OutlinedButton(onClick = vm::refresh) { Text(stringResource(R.string.refresh)) }
                }
                request != null && ui.outcome != null -> Outcome(ui.outcome!!, ui.reported, onNext = { if (!vm.next()) onDone() })
                request != null && ui.finalProblem != null -> {
                    Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer)) {
                        Text(problemText(ui.finalProblem!!), Modifier.padding(16.dp), style = MaterialTheme.typography.titleMedium)
                    }
                    Button(onClick = { if (!vm.next()) onDone() }, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.ok)) }
                }
                request != null -> Question(request, ui, vm)
            }
            ui.failures.forEach { f ->
                Text(stringResource(R.string.approvals_fetch_failed, problemText(Problem.of(f))), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall)
            }
        }
    }

    if (ui.confirmReport) {
        AlertDialog(
            onDismissRequest = { vm.askReport(false) },
            title = { Text(stringResource(R.string.approval_report_title)) },
            text = { Text(stringResource(R.string.approval_report_body)) },
            confirmButton = { TextButton(onClick = vm::report) { Text(stringResource(R.string.approval_report), color = MaterialTheme.colorScheme.error) } },
            dismissButton = { TextButton(onClick = { vm.askReport(false) }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}

@Composable
private fun ColumnScope.Question(request: SignInRequest, ui: ApprovalUi, vm: ApprovalViewModel) {
    Text(stringResource(R.string.approval_question), style = MaterialTheme.typography.headlineSmall)
    Card {
        Column(Modifier.padding(vertical = 8.dp)) {
            ListItem(headlineContent = { Text(request.accountName) }, overlineContent = { Text(request.issuer) })
            ListItem(headlineContent = { Text(request.app) }, overlineContent = { Text(stringResource(R.string.approval_app)) })
            val where = listOf(request.location, request.ip).filter { it.isNotEmpty() }.joinToString(" · ")
            if (where.isNotEmpty()) {
                ListItem(headlineContent = { Text(where) }, overlineContent = { Text(stringResource(R.string.approval_location)) })
            }
            ListItem(
                headlineContent = { Text(DateFormat.getTimeInstance(DateFormat.SHORT).format(Date(request.createdAt * 1000))) },
                overlineContent = { Text(stringResource(R.string.approval_time)) },
                trailingContent = { Text(stringResource(R.string.approval_expires_in, Countdown.format(ui.secondsLeft))) },
            )
        }
    }
    if (request.passwordless) {
        Text(stringResource(R.string.approval_passwordless_note), style = MaterialTheme.typography.bodyMedium)
    }
    Text(stringResource(R.string.approval_enter_number), style = MaterialTheme.typography.titleMedium)
    OutlinedTextField(
        value = ui.number,
        onValueChange = vm::onNumber,
        singleLine = true,
        textStyle = MaterialTheme.typography.displaySmall.copy(fontFamily = FontFamily.Monospace, textAlign = TextAlign.Center, fontSize = 40.sp),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
        modifier = Modifier.width(140.dp).align(Alignment.CenterHorizontally),
        placeholder = { Text("00", Modifier.fillMaxWidth(), textAlign = TextAlign.Center) },
    )
    ui.problem?.let { Text(problemText(it), color = MaterialTheme.colorScheme.error) }
    Button(onClick = vm::approve, enabled = ui.canApprove, modifier = Modifier.fillMaxWidth()) {
        Text(stringResource(if (request.passwordless) R.string.approval_approve_biometric else R.string.approval_approve))
    }
    OutlinedButton(onClick = vm::deny, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.approval_deny)) }
    TextButton(onClick = { vm.askReport(true) }, enabled = !ui.busy, modifier = Modifier.fillMaxWidth()) {
        Text(stringResource(R.string.approval_report), color = MaterialTheme.colorScheme.error)
    }
    Text(stringResource(R.string.approval_report_hint), style = MaterialTheme.typography.bodySmall)
    if (ui.queued > 0) Text(stringResource(R.string.approval_more_waiting, ui.queued), style = MaterialTheme.typography.bodySmall)
}

@Composable
private fun ColumnScope.Outcome(outcome: SignInOutcome, reported: ReportOutcome?, onNext: () -> Unit) {
    val (icon, text) = when (outcome) {
        SignInOutcome.APPROVED -> Icons.Filled.CheckCircle to R.string.outcome_approved
        SignInOutcome.DENIED -> Icons.Filled.Close to R.string.outcome_denied
        SignInOutcome.REPORTED -> Icons.Filled.Warning to R.string.outcome_reported
    }
    Icon(icon, contentDescription = null, tint = MaterialTheme.colorScheme.primary)
    Text(stringResource(text), style = MaterialTheme.typography.titleLarge)
    if (reported != null) {
        // The provider's block covers the user's own sign-ins too: say until when, and whom to ask.
        val until = reported.blockedUntil?.let { DateFormat.getTimeInstance(DateFormat.SHORT).format(Date(it * 1000)) }
        Text(
            if (until != null) stringResource(R.string.outcome_reported_until, until) else stringResource(R.string.outcome_reported_a_while),
            style = MaterialTheme.typography.bodyMedium,
        )
        reported.contact?.let { Text(stringResource(R.string.outcome_reported_contact, it), style = MaterialTheme.typography.bodyMedium) }
    }
    Button(onClick = onNext, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.done)) }
}
