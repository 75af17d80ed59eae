package dev.klotski.spark.codec;

import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.unsafe.types.UTF8String;

/** The Spark type of a moe_generate column, and its value for one row read out of a {@link ResultBatch}. */
public final class OutputCodec {
    public static final StructType STRUCT = new StructType(new StructField[] {
        DataTypes.createStructField("text", DataTypes.StringType, true),
        DataTypes.createStructField("prompt_tokens", DataTypes.IntegerType, true),
        DataTypes.createStructField("generated_tokens", DataTypes.IntegerType, true),
        DataTypes.createStructField("finish_reason", DataTypes.StringType, true),
        DataTypes.createStructField("latency_ms", DataTypes.LongType, true),
    });

    private OutputCodec() {
    }

    public static DataType dataType(boolean struct) {
        return struct ? STRUCT : DataTypes.StringType;
    }

    /** A UTF8String or an InternalRow; strings are cloned because the Arrow buffers are freed after the batch. */
    public static Object value(ArrowColumnVector[] cols, int row, boolean struct) {
        if (cols[0].isNullAt(row)) {
            return null;
        }
        UTF8String text = cols[0].getUTF8String(row).clone();
        if (!struct) {
            return text;
        }
        return new GenericInternalRow(new Object[] {
            text,
            cols[1].getInt(row),
            cols[2].getInt(row),
            cols[3].isNullAt(row) ? null : cols[3].getUTF8String(row).clone(),
            cols[4].getLong(row),
        });
    }
}
