package dev.klotski.spark.datasource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/** Reads (id, prompt) records from one prompt file, one at a time. */
abstract class PromptRecords implements Closeable {

    /** One record: either field may be null. */
    record Prompt(String id, String prompt) {
    }

    /** The next record, or null at the end of the file. */
    abstract Prompt next() throws IOException;

    static PromptRecords open(PromptFile file) {
        try {
            return file.format().equals("parquet") ? new Parquet(file.path()) : new Jsonl(file.path());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open prompt file " + file.path(), e);
        }
    }

    /** One JSON object per line: {"id": ..., "prompt": "..."}; blank lines skipped. */
    private static final class Jsonl extends PromptRecords {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final BufferedReader in;
        private final String path;
        private long line;

        Jsonl(String path) throws IOException {
            Path p = new Path(path);
            this.path = path;
            this.in = new BufferedReader(new InputStreamReader(p.getFileSystem(new Configuration()).open(p),
                    StandardCharsets.UTF_8));
        }

        @Override
        Prompt next() throws IOException {
            String s;
            do {
                s = in.readLine();
                line++;
                if (s == null) {
                    return null;
                }
            } while (s.isBlank());
            JsonNode n;
            try {
                n = JSON.readTree(s);
            } catch (IOException e) {
                throw new IOException(path + " line " + line + " is not JSON: " + e.getMessage(), e);
            }
            return new Prompt(text(n.get("id")), text(n.get("prompt")));
        }

        private static String text(JsonNode n) {
            return n == null || n.isNull() ? null : n.asText();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** A Parquet file with a string (binary) {@code prompt} column and an optional {@code id} of any type. */
    private static final class Parquet extends PromptRecords {
        private final ParquetReader<Group> reader;

        Parquet(String path) throws IOException {
            this.reader = ParquetReader.builder(new GroupReadSupport(), new Path(path)).withConf(new Configuration())
                    .build();
        }

        @Override
        Prompt next() throws IOException {
            Group g = reader.read();
            if (g == null) {
                return null;
            }
            return new Prompt(field(g, "id"), field(g, "prompt"));
        }

        private static String field(Group g, String name) {
            if (!g.getType().containsField(name) || g.getFieldRepetitionCount(name) == 0) {
                return null;
            }
            return g.getValueToString(g.getType().getFieldIndex(name), 0);
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
