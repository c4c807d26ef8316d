enum PlaceholderSeekTestSupport {}
