package dev.klotski.spark.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.types.StructType;

/** Plans one input partition per prompt file (a file or the data files of a folder), sorted by name. */
final class PromptScan implements Scan, Batch {
    private final PromptDataset dataset;

    PromptScan(PromptDataset dataset) {
        this.dataset = dataset;
    }

    @Override
    public StructType readSchema() {
        return dataset.schema();
    }

    @Override
    public Batch toBatch() {
        return this;
    }

    @Override
    public InputPartition[] planInputPartitions() {
        List<InputPartition> parts = new ArrayList<>();
        try {
            Path root = new Path(dataset.path());
            FileSystem fs = root.getFileSystem(new Configuration());
            List<FileStatus> files = new ArrayList<>();
            for (FileStatus st : fs.listStatus(root)) { // a file lists as itself
                String name = st.getPath().getName();
                if (st.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                    files.add(st);
                }
            }
            files.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
            for (FileStatus f : files) {
                parts.add(new PromptFile(f.getPath().toString(), PromptFile.formatOf(f.getPath().getName(), dataset.format())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list prompt files at " + dataset.path(), e);
        }
        return parts.toArray(new InputPartition[0]);
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
        return new PromptReaderFactory(dataset.opts());
    }
}
