package dev.klotski.spark.sql;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The bytes an {@code id_column} value contributes to its row's seed. They must be the same for the same value
 * in every run, task attempt and JVM, or a retried task samples other tokens: strings give their UTF-8
 * bytes, binary its bytes, other atomic values their decimal text (as they always have, so seeds of existing
 * jobs stay put), arrays and structs a length-prefixed concatenation of their elements'. A map has no defined
 * entry order (equal maps can list entries differently), so it is refused when the plan is checked.
 */
final class IdBytes {
    private static final byte NULL = 0;
    private static final byte VALUE = 1;

    private IdBytes() {
    }

    /** Why values of {@code type} cannot seed rows, or null when they can. */
    static String unsupported(DataType type) {
        if (type instanceof ArrayType a) {
            return unsupported(a.elementType());
        }
        if (type instanceof StructType s) {
            for (StructField f : s.fields()) {
                String why = unsupported(f.dataType());
                if (why != null) {
                    return why;
                }
            }
            return null;
        }
        if (type instanceof AtomicType || type instanceof NullType) {
            return null;
        }
        return type.simpleString() + " has no stable byte form"
                + (type instanceof org.apache.spark.sql.types.MapType ? " (equal maps may order their entries differently)" : "");
    }

    /** The bytes of the non-null value at {@code ordinal}. */
    static byte[] of(SpecializedGetters row, int ordinal, DataType type) {
        if (type instanceof StringType) {
            return row.getUTF8String(ordinal).getBytes();
        }
        if (type instanceof BinaryType) {
            return row.getBinary(ordinal);
        }
        if (type instanceof ArrayType a) {
            var array = row.getArray(ordinal);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < array.numElements(); i++) {
                append(out, array, i, a.elementType());
            }
            return out.toByteArray();
        }
        if (type instanceof StructType s) {
            InternalRow struct = row.getStruct(ordinal, s.size());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < s.size(); i++) {
                append(out, struct, i, s.fields()[i].dataType());
            }
            return out.toByteArray();
        }
        return String.valueOf(row.get(ordinal, type)).getBytes(StandardCharsets.UTF_8);
    }

    /** One element: a null marker, or a value marker, its byte length and its bytes (so [ab, c] != [a, bc]). */
    private static void append(ByteArrayOutputStream out, SpecializedGetters container, int i, DataType type) {
        if (container.isNullAt(i)) {
            out.write(NULL);
            return;
        }
        byte[] bytes = of(container, i, type);
        out.write(VALUE);
        out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }
}
