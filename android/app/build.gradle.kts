// The Nyckel Android app: a thin Compose shell over the `nyckel` library (android/nyckel).
// All logic lives in the library (Rust core via uniffi) and in src/main/kotlin/.../logic
// (plain Kotlin, JVM-tested by test-logic.sh); this module only draws screens and talks to
// Android (Keystore, BiometricPrompt, CameraX + ML Kit, FCM). See docs/apps.md.
//
// Not built on the machine this was written on (no Android SDK): see docs/apps.md for what is
// unverified. Libraries not in gradle/libs.versions.toml are pinned here.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

/** FCM is optional: without these properties (gradle.properties / -P) the app polls instead. */
fun fcm(name: String): String = providers.gradleProperty("nyckel.fcm.$name").getOrElse("")

android {
    namespace = "app.nyckel.app"
    compileSdk = libs.versions.compile.sdk.get().toInt()

    defaultConfig {
        applicationId = "app.nyckel"
        minSdk = libs.versions.min.sdk.get().toInt()
        targetSdk = libs.versions.target.sdk.get().toInt()
        versionCode = 1
        versionName = "0.1.0"
        // Firebase is initialised by hand (no google-services plugin, no google-services.json
        // in the repository): see push/PushSetup.kt.
        buildConfigField("String", "FCM_APPLICATION_ID", "\"${fcm("applicationId")}\"")
        buildConfigField("String", "FCM_API_KEY", "\"${fcm("apiKey")}\"")
        buildConfigField("String", "FCM_PROJECT_ID", "\"${fcm("projectId")}\"")
        buildConfigField("String", "FCM_SENDER_ID", "\"${fcm("senderId")}\"")
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    buildFeatures {
        compose = true
        buildConfig = true
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    testOptions {
        unitTests.all { test ->
            test.useJUnitPlatform()
            // The logic tests touch only the generated records and exceptions; if one ever
            // loads the native library, it is the host build.
            test.systemProperty("jna.library.path", rootProject.projectDir.parentFile.resolve("target/release").path)
        }
        unitTests.isReturnDefaultValues = true
    }

    packaging {
        resources.excludes += "/META-INF/{AL2.0,LGPL2.1}"
    }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

val camerax = "1.4.2"

dependencies {
    implementation(project(":nyckel"))

    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.biometric)
    implementation(libs.androidx.fragment) // newer than biometric's 1.2.5: see the catalog
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(libs.androidx.lifecycle.runtime.compose)
    implementation("androidx.lifecycle:lifecycle-process:${libs.versions.androidx.lifecycle.get()}")
    implementation(libs.kotlinx.coroutines.android)

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation("androidx.compose.material:material-icons-core")
    implementation(libs.compose.ui.tooling.preview)
    debugImplementation(libs.compose.ui.tooling)
    implementation("androidx.navigation:navigation-compose:2.9.0")

    // Camera QR scanning: CameraX controller + ML Kit barcode scanner (bundled model, works offline).
    implementation("androidx.camera:camera-camera2:$camerax")
    implementation("androidx.camera:camera-lifecycle:$camerax")
    implementation("androidx.camera:camera-view:$camerax")
    implementation("androidx.camera:camera-mlkit-vision:$camerax")
    implementation("com.google.mlkit:barcode-scanning:17.3.0")
    // Drawing the export QR code.
    implementation("com.google.zxing:core:3.5.3")
    // Push: only the trigger ({"nyckel":1,"requestId":…}); optional, see fcm() above.
    implementation(platform("com.google.firebase:firebase-bom:34.0.0"))
    implementation("com.google.firebase:firebase-messaging")

    testImplementation(libs.jna)
    testImplementation(libs.kotlin.test.junit5)
    testImplementation(libs.junit.jupiter)
    testRuntimeOnly(libs.junit.platform.launcher)
}
