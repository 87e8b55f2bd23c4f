package app.nyckel.app.ui.lock

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import app.nyckel.app.R
import app.nyckel.app.logic.Problem
import app.nyckel.app.ui.common.problemText

/** The vault file cannot be opened (damaged, from a newer Nyckel). It is left untouched. */
@Composable
fun BrokenVaultScreen(problem: Problem) {
    Scaffold { padding ->
        Column(Modifier.fillMaxSize().padding(padding).padding(24.dp), verticalArrangement = Arrangement.spacedBy(16.dp)) {
            Text(stringResource(R.string.broken_title), style = MaterialTheme.typography.headlineSmall)
            Text(problemText(problem))
            Text(stringResource(R.string.broken_body))
        }
    }
}
