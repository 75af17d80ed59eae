package dev.klotski.spark.codec;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a prompt's bytes, refusing what is not UTF-8. Spark strings are bytes, and a Parquet file written by
 * another tool may hold any (Latin-1 text, a lone surrogate encoded as CESU-8); replacing them with U+FFFD, as
 * {@code new String(bytes, UTF_8)} does, would generate from a prompt the user never wrote.
 */
final class StrictUtf8 {
    private StrictUtf8() {
    }

    /** The text, or null when the bytes are not UTF-8 ({@link #problem} says where). */
    static String decodeOrNull(byte[] bytes) {
        CharBuffer out = CharBuffer.allocate(bytes.length);
        return decoder().decode(ByteBuffer.wrap(bytes), out, true).isError() ? null : out.flip().toString();
    }

    /** Where the bytes stop being UTF-8, in words. */
    static String problem(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        decoder().decode(in, CharBuffer.allocate(bytes.length), true);
        int at = in.position();
        return "the prompt is not valid UTF-8: byte 0x" + String.format("%02X", bytes[at] & 0xff) + " at offset "
                + at + " begins an invalid sequence; fix the text's encoding where the data was written";
    }

    private static CharsetDecoder decoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
}
