package app.nyckel.app.logic

import app.nyckel.NyckelException

/**
 * The approval-flow errors (issue 4). Written against the planned FFI (bindings/src/approvals.rs
 * was not in the tree when this was written); see docs/apps.md "API names to check".
 */
object ApprovalProblems {
    fun of(e: NyckelException): Problem? = null
}
