package dev.klotski.spark.datasource;

import dev.klotski.spark.conf.GenerateOptions;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A prompt dataset with its generated outputs: read-only, batch. */
final class PromptTable implements SupportsRead {
    private final String path;
    private final String format;
    private final GenerateOptions opts;
    private final StructType schema;

    PromptTable(String path, String format, GenerateOptions opts, StructType schema) {
        this.path = path;
        this.format = format;
        this.opts = opts;
        this.schema = schema;
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
        return () -> new PromptScan(path, format, opts, schema);
    }

    @Override
    public String name() {
        return "klotski(" + path + ")";
    }

    @Override
    public StructType schema() {
        return schema;
    }

    @Override
    public Set<TableCapability> capabilities() {
        return Set.of(TableCapability.BATCH_READ);
    }
}
