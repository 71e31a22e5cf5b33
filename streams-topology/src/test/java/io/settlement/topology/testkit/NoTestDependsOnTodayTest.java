package io.settlement.topology.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The guard against tests that pass today and fail next week: a {@link
 * org.apache.kafka.streams.TopologyTestDriver} without an explicit start time runs on the real
 * wall clock, so commands stamped with a fixed date come back EXPIRED once the retention has
 * passed; and a driver test that stamps commands from the real clock mixes the two the other
 * way. Reads every test source of the repository (all modules), since such a test can live in
 * any of them.
 */
class NoTestDependsOnTodayTest {
    private static final Pattern NEW_DRIVER = Pattern.compile("new\\s+TopologyTestDriver\\s*\\(");
    private static final Pattern DRIVER_TEST = Pattern.compile("TopologyTestDriver|SettlementDriver|CoordinatorDriver|extends DriverTest");
    private static final Pattern REAL_CLOCK = Pattern.compile("Instant\\.now\\(\\)|System\\.currentTimeMillis\\(\\)|Clock\\.system");

    @Test
    void everyTopologyTestDriverStartsAtAnExplicitInstant() {
        List<String> clockless = new ArrayList<>();
        for (Path source : testSources()) {
            String text = read(source);
            Matcher call = NEW_DRIVER.matcher(text);
            while (call.find()) {
                if (topLevelArguments(text, call.end()) < 3) {
                    clockless.add(source + ":" + lineOf(text, call.start()));
                }
            }
        }
        assertThat(clockless).as("TopologyTestDriver built without a start time (it would run on today's wall clock)").isEmpty();
    }

    @Test
    void noDriverTestReadsTheRealClock() {
        List<String> mixed = new ArrayList<>();
        for (Path source : testSources()) {
            String text = read(source);
            if (DRIVER_TEST.matcher(text).find()) {
                Matcher clock = REAL_CLOCK.matcher(text);
                while (clock.find()) {
                    mixed.add(source + ":" + lineOf(text, clock.start()));
                }
            }
        }
        assertThat(mixed).as("a topology driver test that reads the real clock (stamp commands from the driver's clock instead)").isEmpty();
    }

    @Test
    void theGuardSeesTheTestsOfEveryModule() {
        assertThat(testSources()).as("test sources found under " + repositoryRoot())
                .anyMatch(path -> path.endsWith(Path.of("testkit", "SettlementDriver.java")))
                .anyMatch(path -> path.toString().contains("app" + java.io.File.separator + "src"));
    }

    /** How many arguments the call whose argument list starts at {@code from} has. */
    static int topLevelArguments(String text, int from) {
        int depth = 0;
        int arguments = 1;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(' || c == '{' || c == '[') {
                depth++;
            } else if (c == ')' || c == '}' || c == ']') {
                if (depth == 0) {
                    return text.substring(from, i).isBlank() ? 0 : arguments;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                arguments++;
            }
        }
        return arguments;
    }

    private static int lineOf(String text, int offset) {
        return (int) text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }

    private static List<Path> testSources() {
        Path root = repositoryRoot();
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(path -> path.toString().endsWith(".java"))
                    .filter(path -> root.relativize(path).toString().contains("src" + java.io.File.separator + "test"))
                    .filter(path -> !path.endsWith(Path.of("testkit", "NoTestDependsOnTodayTest.java")))
                    .filter(path -> !root.relativize(path).startsWith(".git"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory of the parent pom: the first ancestor of the working directory with a .ci folder. */
    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve(".ci"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no repository root (a folder with .ci) above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
