package dev.klotski.spark.codec;

import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The Spark type of a moe_generate column, and its value for one row read out of a {@link ResultBatch}. A
 * row that failed (on_error=null) is a null string, or a struct whose text is null and whose error says why.
 */
public final class OutputCodec {
    public static final StructType STRUCT = new StructType(new StructField[] {
        DataTypes.createStructField("text", DataTypes.StringType, true),
        DataTypes.createStructField("prompt_tokens", DataTypes.IntegerType, true),
        DataTypes.createStructField("generated_tokens", DataTypes.IntegerType, true),
        DataTypes.createStructField("finish_reason", DataTypes.StringType, true),
        DataTypes.createStructField("latency_ms", DataTypes.LongType, true),
        DataTypes.createStructField("error", DataTypes.StringType, true),
    });

    private OutputCodec() {
    }

    public static DataType dataType(boolean struct) {
        return struct ? STRUCT : DataTypes.StringType;
    }

    /** A UTF8String or an InternalRow; strings are cloned because the Arrow buffers are freed after the batch. */
    public static Object value(ArrowColumnVector[] cols, int row, boolean struct) {
        if (!struct) {
            return string(cols[0], row);
        }
        if (cols[0].isNullAt(row) && cols[5].isNullAt(row)) {
            return null; // a null prompt
        }
        return new GenericInternalRow(new Object[] {
            string(cols[0], row),
            cols[1].isNullAt(row) ? null : cols[1].getInt(row),
            cols[2].isNullAt(row) ? null : cols[2].getInt(row),
            string(cols[3], row),
            cols[4].isNullAt(row) ? null : cols[4].getLong(row),
            string(cols[5], row),
        });
    }

    private static UTF8String string(ArrowColumnVector col, int row) {
        return col.isNullAt(row) ? null : col.getUTF8String(row).clone();
    }
}
