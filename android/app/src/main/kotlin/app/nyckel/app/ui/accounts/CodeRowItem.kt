package app.nyckel.app.ui.accounts

import androidx.compose.foundation.ExperimentalFoundationApi
import androidx.compose.foundation.combinedClickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.MoreVert
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Card
import androidx.compose.material3.FilledTonalButton
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.onClick
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import app.nyckel.app.R
import app.nyckel.app.logic.CodeRow
import app.nyckel.app.ui.common.CountdownRing

/** One account: issuer, name, the code "123 456" and its countdown. Tap copies; ⋮ opens details. */
@OptIn(ExperimentalFoundationApi::class)
@Composable
fun CodeRowItem(row: CodeRow, onCopy: () -> Unit, onGenerate: () -> Unit, onDetails: () -> Unit) {
    val copyLabel = stringResource(R.string.copy_code)
    Card(
        Modifier
            .fillMaxWidth()
            .combinedClickable(enabled = row.rawCode != null, onClick = onCopy, onLongClick = onDetails, onClickLabel = copyLabel),
    ) {
        Row(Modifier.padding(start = 16.dp, top = 12.dp, bottom = 12.dp, end = 4.dp), verticalAlignment = Alignment.CenterVertically) {
            Column(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(2.dp)) {
                Text(row.issuer.ifEmpty { row.name }, style = MaterialTheme.typography.titleMedium, maxLines = 1, overflow = TextOverflow.Ellipsis)
                if (row.issuer.isNotEmpty() && row.name.isNotEmpty()) {
                    Text(row.name, style = MaterialTheme.typography.bodyMedium, maxLines = 1, overflow = TextOverflow.Ellipsis)
                }
                if (row.code != null) {
                    Text(row.code, style = MaterialTheme.typography.headlineMedium, fontFamily = FontFamily.Monospace, color = MaterialTheme.colorScheme.primary)
                }
            }
            when {
                row.isHotp -> FilledTonalButton(onClick = onGenerate) {
                    Icon(Icons.Filled.Refresh, contentDescription = null)
                    Text(stringResource(R.string.hotp_generate), Modifier.padding(start = 4.dp))
                }
                row.fraction != null && row.secondsLeft != null -> CountdownRing(row.fraction, row.secondsLeft)
            }
            IconButton(onClick = onDetails) { Icon(Icons.Filled.MoreVert, contentDescription = stringResource(R.string.account_details)) }
        }
    }
}
