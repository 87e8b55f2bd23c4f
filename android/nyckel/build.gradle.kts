// The `nyckel` Android library: uniffi-generated Kotlin bindings over the Rust core
// (nyckel-ffi), a small idiomatic Kotlin layer, and libnyckel_ffi.so for each ABI.
//
//   generateUniffiKotlin  cargo builds nyckel-ffi for the host, then the workspace's
//                         uniffi-bindgen generates Kotlin from that (unstripped) library into
//                         build/generated/source/uniffi (never committed)
//   cargoNdkBuild         cargo-ndk builds libnyckel_ffi.so per ABI into build/rustJniLibs
//                         (skip with -Pnyckel.rust.skip=true when scripts/build-mobile.sh
//                         android already put them there)
//
// Sources: src/main/kotlin (plain Kotlin/JVM, also compiled and tested by
// scripts/test-kotlin.sh), src/android/kotlin (Android APIs: Keystore + BiometricPrompt),
// src/test/kotlin (JUnit 5 on the host JVM against the host library). Not in any source set
// here: src/testHooks/kotlin (needs a test-hooks build) and src/testLoopback/kotlin (approval
// tests against a nyckel-idp process, using java.net.http, which android.jar lacks); both
// run in scripts/test-kotlin.sh.
import javax.inject.Inject
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

/** The Cargo workspace (the repository root, one level above android/). */
val workspaceDir: File = rootProject.projectDir.parentFile
val cargoTargetDir: File = System.getenv("CARGO_TARGET_DIR")?.let(::File) ?: workspaceDir.resolve("target")
val rustAbis = providers.gradleProperty("nyckel.rust.abis").getOrElse("arm64-v8a,armeabi-v7a,x86_64")
    .split(",").map(String::trim).filter(String::isNotEmpty)
val rustProfile = providers.gradleProperty("nyckel.rust.profile").getOrElse("release")
val skipRust = providers.gradleProperty("nyckel.rust.skip").getOrElse("false").toBoolean()
val minSdkVersion = libs.versions.min.sdk.get().toInt()

/** Builds the host library and generates the Kotlin bindings from it. */
abstract class GenerateUniffiKotlin : DefaultTask() {
    @get:InputFiles @get:PathSensitive(PathSensitivity.RELATIVE) abstract val rustSources: ConfigurableFileCollection
    @get:InputFile @get:PathSensitive(PathSensitivity.NONE) abstract val configFile: RegularFileProperty
    @get:Internal abstract val workspace: DirectoryProperty
    @get:Internal abstract val cargoTarget: DirectoryProperty
    @get:OutputDirectory abstract val outputDir: DirectoryProperty
    @get:Inject abstract val exec: ExecOperations

    @TaskAction
    fun generate() {
        val ws = workspace.get().asFile
        val target = cargoTarget.get().asFile
        val out = outputDir.get().asFile.apply { deleteRecursively(); mkdirs() }
        // Release, like the apps; the host library keeps its uniffi metadata (never strip it
        // before generating).
        exec.exec { workingDir = ws; commandLine("cargo", "build", "--release", "-p", "nyckel-ffi") }
        exec.exec { workingDir = ws; commandLine("cargo", "build", "--release", "-p", "uniffi-bindgen") }
        exec.exec {
            workingDir = ws
            commandLine(
                target.resolve("release/uniffi-bindgen").path, "generate",
                "--library", target.resolve("release/" + System.mapLibraryName("nyckel_ffi")).path,
                "--language", "kotlin", "--no-format",
                "--config", configFile.get().asFile.path,
                "--out-dir", out.path,
            )
        }
    }
}

/** Cross-compiles libnyckel_ffi.so for the Android ABIs with cargo-ndk. */
abstract class CargoNdkBuild : DefaultTask() {
    @get:InputFiles @get:PathSensitive(PathSensitivity.RELATIVE) abstract val rustSources: ConfigurableFileCollection
    @get:Input abstract val abis: ListProperty<String>
    @get:Input abstract val profile: Property<String>
    @get:Input abstract val platform: Property<Int>
    @get:Internal abstract val workspace: DirectoryProperty
    @get:OutputDirectory abstract val outputDir: DirectoryProperty
    @get:Inject abstract val exec: ExecOperations

    @TaskAction
    fun build() {
        val args = mutableListOf("cargo", "ndk", "--platform", platform.get().toString())
        abis.get().forEach { args += listOf("-t", it) }
        args += listOf("-o", outputDir.get().asFile.path, "build", "--profile", profile.get(), "-p", "nyckel-ffi")
        exec.exec { workingDir = workspace.get().asFile; commandLine(args) }
    }
}

fun rustInputs() = files(
    fileTree(workspaceDir.resolve("core/src")),
    fileTree(workspaceDir.resolve("bindings/src")),
    workspaceDir.resolve("core/Cargo.toml"),
    workspaceDir.resolve("bindings/Cargo.toml"),
    workspaceDir.resolve("bindings/uniffi.toml"),
    workspaceDir.resolve("Cargo.toml"),
    workspaceDir.resolve("Cargo.lock"),
)

val generateUniffiKotlin = tasks.register<GenerateUniffiKotlin>("generateUniffiKotlin") {
    group = "nyckel"
    description = "Generates the Kotlin bindings from the host build of nyckel-ffi"
    rustSources.from(rustInputs())
    configFile.set(layout.projectDirectory.file("uniffi-android.toml"))
    workspace.set(workspaceDir)
    cargoTarget.set(cargoTargetDir)
    outputDir.set(layout.buildDirectory.dir("generated/source/uniffi/kotlin"))
}

val cargoNdkBuild = tasks.register<CargoNdkBuild>("cargoNdkBuild") {
    group = "nyckel"
    description = "Builds libnyckel_ffi.so for ${rustAbis.joinToString()} with cargo-ndk"
    rustSources.from(rustInputs())
    abis.set(rustAbis)
    profile.set(rustProfile)
    platform.set(minSdkVersion)
    workspace.set(workspaceDir)
    outputDir.set(layout.buildDirectory.dir("rustJniLibs"))
    onlyIf("nyckel.rust.skip is false") { !skipRust }
}

android {
    namespace = "app.nyckel"
    compileSdk = libs.versions.compile.sdk.get().toInt()

    defaultConfig {
        minSdk = minSdkVersion
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += rustAbis }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets.getByName("main") {
        java.srcDir(generateUniffiKotlin.flatMap { it.outputDir })
        java.srcDir("src/android/kotlin")
        jniLibs.srcDir(cargoNdkBuild.flatMap { it.outputDir })
    }

    testOptions {
        unitTests.all { test ->
            test.useJUnitPlatform()
            // Host-JVM unit tests load the host build of the library through JNA.
            test.systemProperty("jna.library.path", cargoTargetDir.resolve("release").path)
            test.dependsOn(generateUniffiKotlin)
        }
        unitTests.isReturnDefaultValues = true
    }
}

// Belt and braces: the source dirs above already carry the task dependencies.
tasks.named("preBuild") { dependsOn(generateUniffiKotlin, cargoNdkBuild) }

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

dependencies {
    // JNA with its Android natives (the @aar); the host JVM tests use the plain jar.
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.androidx.biometric)
    implementation(libs.androidx.fragment) // newer than biometric's 1.2.5: see the catalog
    implementation(libs.androidx.core.ktx)

    testImplementation(libs.jna)
    testImplementation(libs.kotlin.test.junit5)
    testImplementation(libs.junit.jupiter)
    testImplementation(libs.junit.jupiter.params)
    testRuntimeOnly(libs.junit.platform.launcher)
}
