package app.nyckel.app

import android.app.Application
import androidx.lifecycle.ProcessLifecycleOwner
import app.nyckel.app.push.PushSetup

/** Builds the [AppGraph] once per process and wires app-wide observers. */
class NyckelApplication : Application() {
    lateinit var graph: AppGraph
        private set

    override fun onCreate() {
        super.onCreate()
        graph = AppGraph(this)
        // Lock after N seconds in the background (and on return, if the timer was missed).
        ProcessLifecycleOwner.get().lifecycle.addObserver(graph.autoLock)
        PushSetup.init(this, graph)
    }
}
