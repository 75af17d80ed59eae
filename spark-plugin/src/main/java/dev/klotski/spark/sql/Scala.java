package dev.klotski.spark.sql;

import java.util.List;
import scala.jdk.javaapi.CollectionConverters;

/** Java <-> Scala collection glue for Catalyst's Scala signatures. */
final class Scala {
    private Scala() {
    }

    static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toList();
    }

    static <T> List<T> list(scala.collection.Seq<T> seq) {
        return List.copyOf(CollectionConverters.asJava(seq));
    }
}
