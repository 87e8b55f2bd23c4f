// Nyckel for Android: the `nyckel` library (uniffi bindings over the Rust core + a small
// Kotlin layer) and the `app` shell. See docs/mobile.md.
pluginManagement {
    repositories {
        google {
            content {
                includeGroupByRegex("com\\.android.*")
                includeGroupByRegex("com\\.google.*")
                includeGroupByRegex("androidx.*")
            }
        }
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "Nyckel"

include(":nyckel")
// The app shell comes in its own change; include it once it exists.
if (file("app/build.gradle.kts").exists()) {
    include(":app")
}
