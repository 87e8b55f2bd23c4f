package app.nyckel

import java.nio.file.Files
import java.nio.file.Path
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/** Helpers shared by the vault tests. */
object TestSupport {
    private val random = SecureRandom()

    /** A fresh path for a vault file (the file itself does not exist yet). */
    fun vaultPath(): String = Files.createTempDirectory("nyckel-kt").resolve("vault.nyckel").toString()

    /** A new vault with the cheapest accepted Argon2id cost (keeps the suite fast). */
    fun newVault(path: String = vaultPath(), passphrase: String = "correct horse battery"): NyckelVault =
        NyckelVault.create(path, passphrase, kdfMinimum())

    /** RFC 4648 base32 (no padding) of [bytes]. */
    fun base32(bytes: ByteArray): String {
        val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        val out = StringBuilder()
        var buffer = 0
        var bits = 0
        for (b in bytes) {
            buffer = (buffer shl 8) or (b.toInt() and 0xff)
            bits += 8
            while (bits >= 5) {
                out.append(alphabet[(buffer shr (bits - 5)) and 31])
                bits -= 5
            }
        }
        if (bits > 0) out.append(alphabet[(buffer shl (5 - bits)) and 31])
        return out.toString()
    }

    /** A random 160-bit base32 secret. */
    fun randomSecret(): String = base32(ByteArray(20).also(random::nextBytes))

    fun totpUri(secret: String, issuer: String = "ACME", name: String = "jane") =
        "otpauth://totp/$issuer:$name?secret=$secret&issuer=$issuer"

    /** A software AES-256 key, standing in for the AndroidKeyStore key on the JVM. */
    fun softwareKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
}

/** What the scripted "biometric prompt" does; replaceable while a protector is in use. */
class PromptScript(@Volatile var action: (Cipher) -> Unit = {})

/**
 * The library's [AesGcmKeyProtector] with a software key and a scriptable "prompt": the JVM
 * stand-in for the Keystore key + BiometricPrompt the Android app uses.
 */
class ScriptedProtector private constructor(key: SecretKey, private val script: PromptScript) :
    AesGcmKeyProtector(key = { key }, authorize = { cipher -> script.action(cipher); cipher }) {

    constructor(key: SecretKey = TestSupport.softwareKey(), onPrompt: (Cipher) -> Unit = {}) : this(key, PromptScript(onPrompt))

    var onPrompt: (Cipher) -> Unit
        get() = script.action
        set(value) { script.action = value }

    @Volatile var prompts = 0
        private set

    override fun wrap(vaultKey: ByteArray): ByteArray {
        prompts++
        return super.wrap(vaultKey)
    }

    override fun unwrap(wrappedKey: ByteArray): ByteArray {
        prompts++
        return super.unwrap(wrappedKey)
    }
}

fun tempFile(content: ByteArray): Path = Files.createTempFile("nyckel-kt", ".bin").also { Files.write(it, content) }
