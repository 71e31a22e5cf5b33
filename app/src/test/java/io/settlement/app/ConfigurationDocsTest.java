package io.settlement.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigurationDocsTest {
    private static final Path DOCS = Path.of("../docs/configuration.md");

    @Test
    void docsConfigurationMdShowsEverySettingAsTheCodeDeclaresIt() throws IOException {
        String document = Files.readString(DOCS);

        assertThat(ConfigurationDocs.replaceGenerated(document))
                .as("docs/configuration.md is out of date with the settings' declarations; after `mvn -B -q -DskipTests package` run "
                        + "`java -cp app/target/settlement-streams.jar io.settlement.app.ConfigurationDocs docs/configuration.md`")
                .isEqualTo(document);
    }

    @Test
    void everySettingOfTheAppIsInTheTableOnce() {
        String table = ConfigurationDocs.markdown();

        for (String key : AppSettings.CONFIG_DEF.names()) {
            assertThat(table).as(key).containsOnlyOnce("| `" + key + "` |");
        }
    }
}
