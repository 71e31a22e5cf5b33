package io.settlement.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The walkthrough of docs/walkthrough.md, which the build copies into the jar ({@link #RESOURCE}):
 * {@code dev} prints its commands at start, and {@code WalkthroughTest} runs them against a real
 * {@code dev} and checks every answer the file shows, so there is one copy and it cannot drift.
 */
final class Walkthrough {
    /** Where the build puts docs/walkthrough.md on the classpath (app/pom.xml). */
    static final String RESOURCE = "/io/settlement/app/walkthrough.md";
    /** The address the file's commands use: dev's defaults. */
    static final String DEFAULT_HTTP = "localhost:8080";
    static final String JAR = "java -jar app/target/settlement-streams.jar ";
    /** A line holding the answer to the command before it: {@code #> status body}. */
    static final String ANSWER = "#> ";

    private Walkthrough() {
    }

    /** The text of docs/walkthrough.md as the jar carries it. */
    static String text() {
        try (InputStream in = Walkthrough.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath (app/pom.xml copies docs/walkthrough.md)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every line of the file's {@code ```bash} blocks, in order, as written. */
    static List<String> shellLines(String markdown) {
        List<String> lines = new ArrayList<>();
        boolean inBlock = false;
        for (String line : markdown.split("\n", -1)) {
            String trimmed = line.strip();
            if (!inBlock && trimmed.equals("```bash")) {
                inBlock = true;
            } else if (inBlock && trimmed.equals("```")) {
                inBlock = false;
            } else if (inBlock) {
                lines.add(line.stripTrailing());
            }
        }
        return lines;
    }

    /**
     * The commands and comments for a person to paste into a shell, without the answers, adapted to
     * where this dev runs: its HTTP address, and its broker and data dir when they are not the defaults.
     */
    static List<String> forDev(String markdown, String httpHostPort, String bootstrapServers, boolean defaultKafkaPort,
            Path dataDir, boolean defaultDataDir) {
        List<String> out = new ArrayList<>();
        for (String line : shellLines(markdown)) {
            if (line.startsWith(ANSWER)) {
                continue;
            }
            String adapted = line.replace(DEFAULT_HTTP, httpHostPort);
            if (!defaultDataDir && adapted.contains(JAR + "token ")) {
                adapted = adapted.replace(JAR + "token ", JAR + "token --data-dir " + dataDir + " ");
            }
            if (!defaultKafkaPort && adapted.endsWith(JAR + "produce")) {
                adapted = adapted + " --set bootstrap.servers=" + bootstrapServers;
            }
            out.add(adapted);
        }
        return out;
    }
}
