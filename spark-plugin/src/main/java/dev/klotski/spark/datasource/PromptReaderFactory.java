package dev.klotski.spark.datasource;

import dev.klotski.spark.conf.GenerateOptions;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/** Ships the resolved options to executors and opens a {@link PromptReader} per file. */
record PromptReaderFactory(GenerateOptions opts) implements PartitionReaderFactory {

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
        return new PromptReader(PromptRecords.open((PromptFile) partition), opts);
    }
}
