package io.settlement.contract;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes outside trusted packages while decoding. The
 * contract's generated classes are trusted here, once per JVM, so that no user has to remember
 * a {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES} flag.
 */
public final class TrustedContract {
    /** Generated classes of the contract live in this package. */
    public static final String AVRO_PACKAGE = "io.settlement.avro";

    private static boolean installed;

    private TrustedContract() {}

    public static synchronized void install() {
        if (installed) {
            return;
        }
        ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                type -> type.getPackageName().equals(AVRO_PACKAGE)));
        installed = true;
    }
}
