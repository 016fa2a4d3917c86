package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Compiles TorchScript source into a module that DJL can call, without Python: the source is
 * packaged as a TorchScript archive (code, a pickle of a stateless module, a version) and
 * PyTorch compiles it while DJL loads it.
 *
 * <p>Besides saving JNI calls, this is how bf16 tensors are made: DJL's JNI has no bf16 case in
 * its dtype mapping and aborts the JVM (a bare {@code throw;}) on any bf16 NDArray, but tensors
 * created inside a script and only ever passed back into scripts never meet that mapping.
 */
final class TorchScriptArchive {

    private TorchScriptArchive() {
    }

    /** Loads the module {@code className} defined by {@code code} (a class deriving Module). */
    static PtSymbolBlock load(NDManager manager, String className, String code) {
        try (InputStream archive = new ByteArrayInputStream(archive(className, code))) {
            return JniUtils.loadModule((PtNDManager) manager, archive, false, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The source of a resource beside this class. */
    static String resource(String name) {
        try (InputStream in = TorchScriptArchive.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] archive(String className, String code) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            stored(zip, "module/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            stored(zip, "module/data.pkl", modulePickle(className));
            stored(zip, "module/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(zip, "module/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return bytes.toByteArray();
    }

    /** Pickle protocol 2 of {@code __torch__.<className>()} with {@code training = True}. */
    private static byte[] modulePickle(String className) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x80, 2, 'c'});
        out.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {'q', 0, ')', (byte) 0x81, '}', '(', 'X', 8, 0, 0, 0});
        out.writeBytes("training".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[] {'q', 1, (byte) 0x88, 'u', 'b', '.'});
        return out.toByteArray();
    }

    /** PyTorch's reader expects uncompressed entries, as torch.jit.save writes them. */
    private static void stored(ZipOutputStream zip, String name, byte[] content)
            throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(content.length);
        entry.setCompressedSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }
}
