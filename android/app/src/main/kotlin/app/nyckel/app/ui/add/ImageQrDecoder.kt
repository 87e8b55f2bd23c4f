package app.nyckel.app.ui.add

import android.content.Context
import android.net.Uri
import com.google.mlkit.vision.barcode.BarcodeScannerOptions
import com.google.mlkit.vision.barcode.BarcodeScanning
import com.google.mlkit.vision.barcode.common.Barcode
import com.google.mlkit.vision.common.InputImage
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext

/** ML Kit QR detection on the camera and on a picked image (screenshot of a QR code). */
object QrScanning {
    val options: BarcodeScannerOptions = BarcodeScannerOptions.Builder()
        .setBarcodeFormats(Barcode.FORMAT_QR_CODE)
        .build()

    /** Every QR text in the image at [uri] (the photo picker's, read once, never stored). */
    suspend fun decodeImage(context: Context, uri: Uri): List<String> {
        val image = withContext(Dispatchers.IO) { InputImage.fromFilePath(context, uri) }
        val scanner = BarcodeScanning.getClient(options)
        try {
            return suspendCancellableCoroutine { cont ->
                scanner.process(image)
                    .addOnSuccessListener { codes -> cont.resume(codes.mapNotNull { it.rawValue }) }
                    .addOnFailureListener { cont.resumeWithException(it) }
            }
        } finally {
            scanner.close()
        }
    }
}
