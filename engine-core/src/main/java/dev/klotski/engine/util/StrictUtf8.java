package dev.klotski.engine.util;

import java.io.CharConversionException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text files that must be UTF-8 (a model folder's JSON), read so that bad bytes fail instead of being replaced
 * or skipped. Parsing bytes with Jackson is not enough: its byte parser takes a 0xFF byte inside an object key
 * for its own padding when the key without it was read before by the same mapper, so a corrupt key silently
 * reads as a real one, while the tokenizers library, given the same bytes, sees a different key.
 */
public final class StrictUtf8 {
    private StrictUtf8() {
    }

    /** The file's text; a {@link CharConversionException} (an IOException) saying where a bad byte is. */
    public static String read(Path file) throws IOException {
        return decode(Files.readAllBytes(file));
    }

    /** The bytes as text; a {@link CharConversionException} saying where a bad byte is. */
    public static String decode(byte[] bytes) throws CharConversionException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(in).toString(); // a new decoder reports, not replaces
        } catch (CharacterCodingException e) {
            throw new CharConversionException("byte " + in.position() + " starts an invalid UTF-8 sequence; the "
                    + "file is corrupt or not UTF-8 text");
        }
    }
}
