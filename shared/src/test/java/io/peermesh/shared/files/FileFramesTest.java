package io.peermesh.shared.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.peermesh.shared.files.FileFrames.Accept;
import io.peermesh.shared.files.FileFrames.Cancel;
import io.peermesh.shared.files.FileFrames.Chunk;
import io.peermesh.shared.files.FileFrames.End;
import io.peermesh.shared.files.FileFrames.FileFrame;
import io.peermesh.shared.files.FileFrames.FileFrameException;
import io.peermesh.shared.files.FileFrames.Offer;
import io.peermesh.shared.files.FileFrames.Result;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileFramesTest {
  private static final String ID = "0123456789abcdef0123456789abcdef";
  private static final String SHA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  private static final String UPPER_SHA = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  @Test
  void everyFrameSurvivesEncodeAndParse() throws Exception {
    List<FileFrame> frames = List.of(new Offer(ID, "a.txt", 5, "text/plain", SHA, 16_384), new Accept(ID, 3),
        new End(ID), new Result(ID, true, SHA), new Cancel(ID, "busy"),
        new Chunk(ID, 1L << 40, new byte[] {1, 2, 3}));
    for (FileFrame frame : frames) {
      assertEquals(frame, FileFrames.parse(FileFrames.encode(frame)).orElseThrow());
    }
  }

  @Test
  void chunkLayoutIsTheBrowserClients() {
    byte[] raw = FileFrames.chunk(ID, 7, new byte[] {9, 8, 7, 6}, 1, 2);
    ByteBuffer b = ByteBuffer.wrap(raw);
    assertEquals(FileFrames.CHUNK_HEADER_BYTES + 2, raw.length);
    assertEquals(0x01, b.get());
    byte[] id = new byte[16];
    b.get(id);
    assertEquals(0x01, id[0]);
    assertEquals((byte) 0xef, id[15]);
    assertEquals(7, b.getLong());
    assertEquals(8, b.get());
    assertEquals(7, b.get());
  }

  @Test
  void offerDefaultsTypeAndChunkSizeWhenAbsent() throws Exception {
    Offer offer = (Offer) parse("{\"t\":\"offer\",\"v\":1,\"id\":\"" + ID + "\",\"name\":\"n\",\"size\":0,"
        + "\"sha256\":\"" + SHA + "\"}");
    assertEquals("application/octet-stream", offer.type());
    assertEquals(16_384, offer.chunkSize());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "plain text", "[1,2]", "{not json", "{\"t\":\"other\",\"id\":\"x\"}", "{\"x\":1}",
      "{\"t\":5}"})
  void framesOutsideTheProtocolAreOrdinaryMessages(String text) throws Exception {
    assertTrue(FileFrames.parse(text.getBytes(StandardCharsets.UTF_8)).isEmpty());
  }

  @Test
  void aShortBinaryFrameIsAnOrdinaryMessage() throws Exception {
    assertTrue(FileFrames.parse(new byte[] {1, 2, 3}).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"t\":\"end\"}",
      "{\"t\":\"end\",\"id\":\"ABC\"}",
      "{\"t\":\"end\",\"id\":7}",
      "{\"t\":\"end\",\"id\":\"" + ID + "\",\"extra\":1}",
      "{\"t\":\"accept\",\"id\":\"" + ID + "\"}",
      "{\"t\":\"accept\",\"id\":\"" + ID + "\",\"offset\":-1}",
      "{\"t\":\"accept\",\"id\":\"" + ID + "\",\"offset\":1.5}",
      "{\"t\":\"accept\",\"id\":\"" + ID + "\",\"offset\":\"3\"}",
      "{\"t\":\"result\",\"id\":\"" + ID + "\",\"ok\":\"yes\",\"sha256\":\"" + SHA + "\"}",
      "{\"t\":\"result\",\"id\":\"" + ID + "\",\"ok\":true,\"sha256\":\"short\"}",
      "{\"t\":\"cancel\",\"id\":\"" + ID + "\"}",
      "{\"t\":\"offer\",\"id\":\"" + ID + "\",\"name\":\"n\",\"size\":1,\"sha256\":\"" + SHA + "\"}",
      "{\"t\":\"offer\",\"v\":2,\"id\":\"" + ID + "\",\"name\":\"n\",\"size\":1,\"sha256\":\"" + SHA + "\"}",
      "{\"t\":\"offer\",\"v\":1,\"id\":\"" + ID + "\",\"size\":1,\"sha256\":\"" + SHA + "\"}",
      "{\"t\":\"offer\",\"v\":1,\"id\":\"" + ID + "\",\"name\":\"n\",\"size\":-4,\"sha256\":\"" + SHA + "\"}",
      "{\"t\":\"offer\",\"v\":1,\"id\":\"" + ID + "\",\"name\":\"n\",\"size\":1,\"sha256\":\"" + UPPER_SHA + "\"}",
  })
  void brokenControlFramesAreRefusedWithACode(String text) {
    FileFrameException e = assertThrows(FileFrameException.class, () -> parse(text));
    assertTrue(e.code().equals("bad-control") || e.code().equals("bad-offer"), e.code());
  }

  @Test
  void overlongNamesAreRefused() {
    String text = "{\"t\":\"offer\",\"v\":1,\"id\":\"" + ID + "\",\"name\":\"" + "n".repeat(256)
        + "\",\"size\":1,\"sha256\":\"" + SHA + "\"}";
    assertEquals("bad-control", assertThrows(FileFrameException.class, () -> parse(text)).code());
  }

  @Test
  void aChunkOffsetBeyondTwoToTheSixtyThreeIsRefused() {
    byte[] raw = FileFrames.chunk(ID, 0, new byte[1], 0, 1);
    raw[17] = (byte) 0x80;
    assertEquals("bad-offset", assertThrows(FileFrameException.class, () -> FileFrames.parse(raw)).code());
  }

  @Test
  void chunksCompareByContent() {
    Chunk a = new Chunk(ID, 1, new byte[] {1});
    assertEquals(a, new Chunk(ID, 1, new byte[] {1}));
    assertEquals(a.hashCode(), new Chunk(ID, 1, new byte[] {1}).hashCode());
    assertNotEquals(a, new Chunk(ID, 2, new byte[] {1}));
    assertTrue(a.toString().contains("1 bytes"));
    assertArrayEquals(new byte[] {1}, a.data());
  }

  private static FileFrame parse(String text) throws FileFrameException {
    return FileFrames.parse(text.getBytes(StandardCharsets.UTF_8)).orElseThrow();
  }
}
