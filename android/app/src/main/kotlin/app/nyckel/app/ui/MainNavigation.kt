package app.nyckel.app.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.navigation.NavController
import androidx.navigation.NavType
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import androidx.navigation.navArgument
import app.nyckel.app.AppGraph
import app.nyckel.app.logic.FirstRunFlow
import app.nyckel.app.logic.ScannedCode
import app.nyckel.app.ui.accounts.AccountListScreen
import app.nyckel.app.ui.activity.ActivityScreen
import app.nyckel.app.ui.add.AddAccountScreen
import app.nyckel.app.ui.add.AddPreviewScreen
import app.nyckel.app.ui.add.ManualEntryScreen
import app.nyckel.app.ui.add.ScanScreen
import app.nyckel.app.ui.approvals.ApprovalScreen
import app.nyckel.app.ui.approvals.EnrollScreen
import app.nyckel.app.ui.approvals.EnrollmentScreen
import app.nyckel.app.ui.details.AccountDetailsScreen
import app.nyckel.app.ui.details.ExportQrScreen
import app.nyckel.app.ui.move.MoveInScreen
import app.nyckel.app.ui.move.MoveOutScreen
import app.nyckel.app.ui.onboarding.FirstRunBackupScreen
import app.nyckel.app.ui.onboarding.RecoverySetupScreen
import app.nyckel.app.ui.settings.AutoBackupScreen
import app.nyckel.app.ui.settings.SettingsScreen
import app.nyckel.app.ui.transfer.BackupScreen
import app.nyckel.app.ui.transfer.ImportScreen

/** The unlocked app. Push taps and links arrive through [app.nyckel.app.AppGraph] flows. */
@Composable
fun MainNavigation() {
    val graph = LocalGraph.current
    val nav = rememberNavController()
    val requestId by graph.pendingRequestId.collectAsStateWithLifecycle()
    val link by graph.incomingLink.collectAsStateWithLifecycle()

    LaunchedEffect(requestId) {
        if (requestId != null) nav.navigate(Routes.APPROVE) { launchSingleTop = true }
    }
    LaunchedEffect(link) {
        val code = link ?: return@LaunchedEffect
        graph.incomingLink.value = null
        graph.scanned.value = code
        nav.navigate(if (code is ScannedCode.Enrollment) Routes.ENROLL else Routes.PREVIEW) { launchSingleTop = true }
    }

    // The first run (logic/FirstRunFlow) opens its current step; each step's screen reports to
    // it and comes back here through followFirstRun.
    LaunchedEffect(Unit) { nav.followFirstRun(graph) }

    val back: () -> Unit = { nav.popBackStack() }
    // Leaving the restore or move screen: on with the first run if it is one, else back.
    val leaveTransfer: (done: Boolean) -> Unit = { done ->
        val firstRun = graph.firstRun.value
        when {
            firstRun != null -> { firstRun.transferLeft(); nav.followFirstRun(graph) }
            done -> nav.popBackStack(Routes.ACCOUNTS, inclusive = false)
            else -> nav.popBackStack()
        }
    }
    val idArg = listOf(navArgument("id") { type = NavType.LongType })

    NavHost(navController = nav, startDestination = Routes.ACCOUNTS) {
        composable(Routes.ACCOUNTS) {
            AccountListScreen(
                onAdd = { nav.navigate(Routes.ADD) },
                onOpenAccount = { nav.navigate(Routes.account(it)) },
                onOpenEnrollment = { nav.navigate(Routes.enrollment(it)) },
                onApprovals = { nav.navigate(Routes.APPROVE) },
                onActivity = { nav.navigate(Routes.ACTIVITY) },
                onSettings = { nav.navigate(Routes.SETTINGS) },
                onRestore = { nav.navigate(Routes.RESTORE) },
            )
        }
        composable(Routes.ADD) {
            AddAccountScreen(
                onBack = back,
                onScan = { nav.navigate(Routes.SCAN) },
                onManual = { nav.navigate(Routes.MANUAL) },
                onScanned = { code -> openScanned(code) { nav.navigate(it) } },
            )
        }
        composable(Routes.SCAN) {
            ScanScreen(onBack = back, onScanned = { code ->
                nav.popBackStack()
                openScanned(code) { nav.navigate(it) }
            })
        }
        composable(Routes.PREVIEW) {
            AddPreviewScreen(onBack = back, onAdded = { nav.popBackStack(Routes.ACCOUNTS, inclusive = false) })
        }
        composable(Routes.MANUAL) {
            ManualEntryScreen(onBack = back, onAdded = { nav.popBackStack(Routes.ACCOUNTS, inclusive = false) })
        }
        composable(Routes.ACCOUNT, idArg) { entry ->
            val id = entry.arguments!!.getLong("id")
            AccountDetailsScreen(
                accountId = id,
                onBack = back,
                onShowQr = { nav.navigate(Routes.export(id)) },
                onOpenEnrollment = { nav.navigate(Routes.enrollment(it)) },
            )
        }
        composable(Routes.EXPORT, idArg) { entry ->
            ExportQrScreen(accountId = entry.arguments!!.getLong("id"), onBack = back)
        }
        composable(Routes.ACTIVITY) { ActivityScreen(onBack = back) }
        composable(Routes.SETTINGS) {
            SettingsScreen(
                onBack = back,
                onImport = { nav.navigate(Routes.IMPORT) },
                onBackup = { nav.navigate(Routes.BACKUP) },
                onAutoBackup = { nav.navigate(Routes.AUTO_BACKUP) },
                onRestore = { nav.navigate(Routes.RESTORE) },
                onMoveOut = { nav.navigate(Routes.MOVE_OUT) },
                onMoveIn = { nav.navigate(Routes.MOVE_IN) },
            )
        }
        composable(Routes.MOVE_OUT) { MoveOutScreen(onBack = back) }
        composable(Routes.RECOVERY_SETUP) {
            RecoverySetupScreen(onDone = { nav.followFirstRun(graph) })
        }
        composable(Routes.FIRST_RUN_BACKUP) {
            FirstRunBackupScreen(onDone = { nav.followFirstRun(graph) })
        }
        composable(Routes.MOVE_IN) {
            MoveInScreen(onBack = { leaveTransfer(false) }, onDone = { leaveTransfer(true) })
        }
        composable(Routes.IMPORT) {
            ImportScreen(restore = false, onBack = back, onDone = { nav.popBackStack(Routes.ACCOUNTS, inclusive = false) })
        }
        composable(Routes.RESTORE) {
            ImportScreen(restore = true, onBack = { leaveTransfer(false) }, onDone = { leaveTransfer(true) })
        }
        composable(Routes.BACKUP) { BackupScreen(onBack = back) }
        composable(Routes.AUTO_BACKUP) { AutoBackupScreen(onBack = back) }
        composable(Routes.APPROVE) { ApprovalScreen(onDone = back) }
        composable(Routes.ENROLL) {
            EnrollScreen(onBack = back, onEnrolled = { id ->
                nav.popBackStack(Routes.ACCOUNTS, inclusive = false)
                nav.navigate(Routes.enrollment(id))
            })
        }
        composable(Routes.ENROLLMENT, idArg) { entry ->
            EnrollmentScreen(enrollmentId = entry.arguments!!.getLong("id"), onBack = back)
        }
    }
}

/** Scanner / image / link result → the preview (otpauth) or enrollment screen. */
private fun openScanned(code: ScannedCode, navigate: (String) -> Unit) {
    when (code) {
        is ScannedCode.Enrollment -> navigate(Routes.ENROLL)
        else -> navigate(Routes.PREVIEW)
    }
}

/**
 * Opens the first run's current step (logic/FirstRunFlow) over the account list; once it is
 * done (or there is none) the account list stays and the first run is forgotten.
 */
private fun NavController.followFirstRun(graph: AppGraph) {
    val flow = graph.firstRun.value ?: return
    popBackStack(Routes.ACCOUNTS, inclusive = false)
    when (flow.step) {
        FirstRunFlow.Step.Recovery -> navigate(Routes.RECOVERY_SETUP)
        FirstRunFlow.Step.Restoring -> navigate(Routes.RESTORE)
        FirstRunFlow.Step.MovingIn -> navigate(Routes.MOVE_IN)
        is FirstRunFlow.Step.BackupOffer, is FirstRunFlow.Step.ConfirmReplace -> navigate(Routes.FIRST_RUN_BACKUP)
        FirstRunFlow.Step.Welcome, is FirstRunFlow.Step.Done -> graph.firstRun.value = null
    }
}
