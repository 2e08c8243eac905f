package io.plasmavmc.host;

import io.plasmavmc.contract.image.ImageActivities;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.storage.ImageStore;
import io.plasmavmc.host.storage.QemuImg;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ImageActivities} on one host: its {@link ImageStore}, the import heartbeating its progress. */
public final class ImageActivitiesImpl implements ImageActivities {
  private static final Logger log = LoggerFactory.getLogger(ImageActivitiesImpl.class);

  private final ImageStore store;

  public ImageActivitiesImpl(HostConfig config) {
    this.store = new ImageStore(config.storage(), new QemuImg(QemuImg.besides(config.qemuBinary()), config.qemuIdentity()));
    try {
      store.prepare();
    } catch (IOException e) {
      log.warn("cannot make the image store {} or the import directory {}: {}", config.storage().imageStore(),
          config.storage().importDir(), e.toString());
    }
  }

  @Override
  public List<ImageInfo> listImages() {
    return store.list();
  }

  @Override
  public ImageInfo getImage(String name) {
    return store.get(name);
  }

  @Override
  public ImageInfo importImage(String name, String source, DiskFormat convertTo) {
    return store.importImage(name, source, convertTo, Heartbeats::beat);
  }

  @Override
  public void deleteImage(String name) {
    store.delete(name);
  }
}
