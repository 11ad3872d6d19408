//! The log of regions written in a buffer since the kernel last looked, so
//! that the kernel can say which arrays a cell changed.
//!
//! The log is bounded: after [`WriteLog::CAPACITY`] regions it collapses
//! into one region covering the whole buffer (a loop of `set` calls must
//! not grow memory without bound, and past that point "everything may have
//! changed" is the honest, cheap answer).

use memscope_cell_abi::Region;

#[derive(Debug, Default)]
pub(crate) struct WriteLog {
    regions: Vec<Region>,
    /// True once the log has collapsed into `whole buffer`; later writes are
    /// already covered.
    collapsed: bool,
}

impl WriteLog {
    /// Regions kept before collapsing.
    pub const CAPACITY: usize = 32;

    /// Records a write to `region`; `whole_buffer` is the region the log
    /// collapses to when full.
    pub fn record(&mut self, region: Region, whole_buffer: impl FnOnce() -> Region) {
        if self.collapsed {
            return;
        }
        if self.regions.len() == Self::CAPACITY {
            self.regions = vec![whole_buffer()];
            self.collapsed = true;
            return;
        }
        self.regions.push(region);
    }

    /// Takes every region recorded so far, leaving the log empty.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn drain(&mut self) -> Vec<Region> {
        self.collapsed = false;
        std::mem::take(&mut self.regions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(first: usize) -> Region {
        Region {
            first,
            shape: vec![],
            strides: vec![],
        }
    }

    fn whole() -> Region {
        Region {
            first: 0,
            shape: vec![100],
            strides: vec![1],
        }
    }

    #[test]
    fn collapses_after_capacity_and_drains() {
        let mut log = WriteLog::default();
        for i in 0..WriteLog::CAPACITY {
            log.record(element(i), whole);
        }
        assert_eq!(log.regions.len(), WriteLog::CAPACITY);
        log.record(element(99), whole);
        log.record(element(98), whole);
        assert_eq!(log.drain(), vec![whole()]);
        assert_eq!(log.drain(), vec![]);
        log.record(element(5), whole);
        assert_eq!(log.drain(), vec![element(5)]);
    }
}
