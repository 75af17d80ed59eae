package dev.klotski.spark.datasource;

import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** A prompt dataset with its generated outputs: read-only, batch. */
final class PromptTable implements SupportsRead {
    private final PromptDataset dataset;

    PromptTable(PromptDataset dataset) {
        this.dataset = dataset;
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
        return () -> new PromptScan(dataset);
    }

    @Override
    public String name() {
        return "klotski(" + dataset.path() + ")";
    }

    @Override
    public StructType schema() {
        return dataset.schema();
    }

    @Override
    public Set<TableCapability> capabilities() {
        return Set.of(TableCapability.BATCH_READ);
    }
}
