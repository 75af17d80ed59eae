package dev.klotski.engine.model.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, so tests can make exactly the corruption they want. */
final class RawSafetensors {
    private RawSafetensors() {
    }

    /** A file whose header length field is the JSON's true length. */
    static Path write(Path file, String headerJson, byte[] data) throws IOException {
        byte[] json = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, json.length, json, data);
    }

    /** A file whose header length field says {@code declaredHeaderLength}, whatever follows. */
    static Path write(Path file, long declaredHeaderLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredHeaderLength).put(header).put(data);
        Files.write(file, buf.array());
        return file;
    }

    /** One header entry: {@code "name":{"dtype":..,"shape":[..],"data_offsets":[b,e]}}. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    static String header(String... entries) {
        return "{" + String.join(",", entries) + "}";
    }
}
