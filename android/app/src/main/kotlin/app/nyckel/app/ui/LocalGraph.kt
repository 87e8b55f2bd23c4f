package app.nyckel.app.ui

import androidx.compose.runtime.staticCompositionLocalOf
import app.nyckel.app.AppGraph

/** The app's services, provided by MainActivity. */
val LocalGraph = staticCompositionLocalOf<AppGraph> { error("LocalGraph not provided") }
