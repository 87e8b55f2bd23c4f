package app.nyckel.app.ui.accounts

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.automirrored.filled.List
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.Notifications
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.SnackbarHost
import androidx.compose.material3.SnackbarHostState
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleStartEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import app.nyckel.app.R
import app.nyckel.app.ui.LocalGraph
import app.nyckel.app.ui.common.SensitiveClipboard
import app.nyckel.app.ui.common.problemText

private const val SEARCH_FROM = 6

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun AccountListScreen(
    onAdd: () -> Unit,
    onOpenAccount: (Long) -> Unit,
    onOpenEnrollment: (Long) -> Unit,
    onApprovals: () -> Unit,
    onActivity: () -> Unit,
    onSettings: () -> Unit,
    onRestore: () -> Unit,
) {
    val graph = LocalGraph.current
    val vm = viewModel { AccountListViewModel(graph) }
    val ui by vm.ui.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val snackbar = remember { SnackbarHostState() }

    // Tick only while visible (STARTED): no vault calls from a screen in the background.
    LifecycleStartEffect(vm) {
        vm.start()
        onStopOrDispose { vm.stop() }
    }
    val copiedText = stringResource(R.string.code_copied)
    LaunchedEffect(ui.copied) { if (ui.copied) snackbar.showSnackbar(copiedText) }
    val problem = ui.problem?.let { problemText(it) }
    LaunchedEffect(problem) {
        if (problem != null) {
            snackbar.showSnackbar(problem)
            vm.dismissProblem()
        }
    }

    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(stringResource(R.string.app_name)) },
                actions = {
                    IconButton(onClick = onApprovals) { Icon(Icons.Filled.Notifications, stringResource(R.string.approvals_title)) }
                    IconButton(onClick = onActivity) { Icon(Icons.AutoMirrored.Filled.List, stringResource(R.string.activity_title)) }
                    IconButton(onClick = onSettings) { Icon(Icons.Filled.Settings, stringResource(R.string.settings_title)) }
                    IconButton(onClick = vm::lockNow) { Icon(Icons.Filled.Lock, stringResource(R.string.lock_now)) }
                },
            )
        },
        floatingActionButton = {
            ExtendedFloatingActionButton(onClick = onAdd, icon = { Icon(Icons.Filled.Add, null) }, text = { Text(stringResource(R.string.add_account)) })
        },
        snackbarHost = { SnackbarHost(snackbar) },
    ) { padding ->
        if (ui.loaded && ui.totalAccounts == 0 && ui.enrollments.isEmpty()) {
            Box(Modifier.fillMaxSize().padding(padding).padding(32.dp), contentAlignment = Alignment.Center) {
                Column(horizontalAlignment = Alignment.CenterHorizontally, verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(stringResource(R.string.accounts_empty_title), style = MaterialTheme.typography.titleLarge)
                    Text(stringResource(R.string.accounts_empty_body))
                    // A new phone: the first-run way back to the accounts of the old one.
                    TextButton(onClick = onRestore) { Text(stringResource(R.string.accounts_empty_restore)) }
                }
            }
            return@Scaffold
        }
        LazyColumn(
            Modifier.fillMaxSize().padding(padding),
            contentPadding = PaddingValues(start = 16.dp, end = 16.dp, top = 8.dp, bottom = 96.dp),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            if (ui.totalAccounts >= SEARCH_FROM) {
                item {
                    OutlinedTextField(
                        value = ui.query,
                        onValueChange = vm::onQuery,
                        leadingIcon = { Icon(Icons.Filled.Search, null) },
                        placeholder = { Text(stringResource(R.string.search_accounts)) },
                        singleLine = true,
                        modifier = Modifier.fillMaxWidth(),
                    )
                }
            }
            items(ui.rows, key = { it.id }) { row ->
                CodeRowItem(
                    row = row,
                    onCopy = {
                        row.rawCode?.let { SensitiveClipboard.copy(context, it) }
                        vm.onCopied()
                    },
                    onGenerate = { vm.generateHotp(row.id) },
                    onDetails = { onOpenAccount(row.id) },
                )
            }
            if (ui.enrollments.isNotEmpty()) {
                item { Text(stringResource(R.string.enrollments_section), style = MaterialTheme.typography.titleSmall, modifier = Modifier.padding(top = 16.dp)) }
                items(ui.enrollments, key = { "e${it.id}" }) { e ->
                    ListItem(
                        headlineContent = { Text(e.issuer.ifEmpty { e.providerUrl }) },
                        supportingContent = {
                            Text(
                                e.accountName + " · " + stringResource(
                                    if (e.phoneSigninEnabled) R.string.phone_signin_on else R.string.approvals_on,
                                ),
                            )
                        },
                        modifier = Modifier.clickable { onOpenEnrollment(e.id) },
                    )
                }
            }
        }
    }
}
