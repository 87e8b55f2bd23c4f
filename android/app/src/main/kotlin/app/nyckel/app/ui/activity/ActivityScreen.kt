package app.nyckel.app.ui.activity

import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.pluralStringResource
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.R
import app.nyckel.app.logic.ActivityRow
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.BackButton
import app.nyckel.app.ui.common.problemText
import java.text.DateFormat
import java.util.Date

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun ActivityScreen(onBack: () -> Unit) {
    val graph = LocalGraph.current
    val vm = viewModel { ActivityViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val format = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT)

    Scaffold(topBar = { TopAppBar(title = { Text(stringResource(R.string.activity_title)) }, navigationIcon = { BackButton(onBack) }) }) { padding ->
        LazyColumn(Modifier.fillMaxSize().padding(padding)) {
            if (ui.loaded && ui.rows.isEmpty() && ui.problem == null) {
                item { Text(stringResource(R.string.activity_empty), Modifier.padding(16.dp)) }
            }
            ui.problem?.let { p -> item { Text(problemText(p), color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(16.dp)) } }
            items(ui.rows, key = { it.id }) { row ->
                ListItem(
                    headlineContent = { Text(activityText(row)) },
                    supportingContent = { Text(format.format(Date(row.at * 1000))) },
                )
            }
        }
    }
}

@Composable
private fun activityText(row: ActivityRow): String = when (row.kind) {
    ActivityRow.Kind.ADDED -> stringResource(R.string.activity_added, row.subject)
    ActivityRow.Kind.EDITED -> stringResource(R.string.activity_edited, row.subject)
    ActivityRow.Kind.REMOVED -> stringResource(R.string.activity_removed, row.subject)
    ActivityRow.Kind.EXPORTED -> pluralStringResource(R.plurals.activity_exported, row.count, row.count, row.format.uppercase())
    ActivityRow.Kind.ENROLLED -> stringResource(R.string.activity_enrolled, row.subject, row.app)
    ActivityRow.Kind.ENROLLMENT_REMOVED -> stringResource(R.string.activity_enrollment_removed, row.subject, row.app)
    ActivityRow.Kind.PHONE_SIGNIN_ENABLED -> stringResource(R.string.activity_phone_signin_enabled, row.subject)
    ActivityRow.Kind.PHONE_SIGNIN_DISABLED -> stringResource(R.string.activity_phone_signin_disabled, row.subject)
    ActivityRow.Kind.SIGN_IN_APPROVED -> stringResource(R.string.activity_sign_in_approved, row.subject, row.app) + place(row)
    ActivityRow.Kind.SIGN_IN_DENIED -> stringResource(R.string.activity_sign_in_denied, row.subject, row.app) + place(row)
    ActivityRow.Kind.SIGN_IN_REPORTED -> stringResource(R.string.activity_sign_in_reported, row.subject, row.app) + place(row)
    ActivityRow.Kind.SIGN_IN_FAILED -> stringResource(R.string.activity_sign_in_failed, row.subject, row.app, row.result) + place(row)
    ActivityRow.Kind.OTHER -> row.subject
}

@Composable
private fun place(row: ActivityRow): String = if (row.place.isEmpty()) "" else " · " + row.place
