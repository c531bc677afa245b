"""The headless core: settings, sheet stores, cloud, mail, journal. Never imports Textual."""
