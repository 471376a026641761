//! The five fields of a world as one collection, indexed by `FieldId`:
//! the list of five is written out once, here.

use crate::model::field::Field;
use crate::model::params::{FieldParams, FieldsParams};

/// Which field: the SASP, EVs and conditioned medium from young and from
/// senescent producers. The order is the checkpoints' and the snapshots'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldId {
    Sasp = 0,
    EvYoung = 1,
    EvSenescent = 2,
    CmYoung = 3,
    CmSenescent = 4,
}

impl FieldId {
    pub const ALL: [FieldId; 5] = [
        FieldId::Sasp,
        FieldId::EvYoung,
        FieldId::EvSenescent,
        FieldId::CmYoung,
        FieldId::CmSenescent,
    ];
    /// The fields a dose delivers into (all but the SASP, which cells secrete).
    pub const DOSED: [FieldId; 4] = [
        FieldId::EvYoung,
        FieldId::EvSenescent,
        FieldId::CmYoung,
        FieldId::CmSenescent,
    ];
    /// Its name in scenario keys (`fields.NAME`), snapshots and messages.
    pub fn name(self) -> &'static str {
        match self {
            FieldId::Sasp => "sasp",
            FieldId::EvYoung => "ev_young",
            FieldId::EvSenescent => "ev_senescent",
            FieldId::CmYoung => "cm_young",
            FieldId::CmSenescent => "cm_senescent",
        }
    }
}

impl FieldsParams {
    /// The parameters of one field.
    pub fn of(&self, id: FieldId) -> &FieldParams {
        match id {
            FieldId::Sasp => &self.sasp,
            FieldId::EvYoung => &self.ev_young,
            FieldId::EvSenescent => &self.ev_senescent,
            FieldId::CmYoung => &self.cm_young,
            FieldId::CmSenescent => &self.cm_senescent,
        }
    }
}

/// A world's fields, in `FieldId` order.
pub struct Fields([Field; 5]);

impl Fields {
    /// Every field of `grid`, empty, advanced in steps of `dt` h.
    pub fn new(params: &FieldsParams, grid: crate::model::geometry::Grid, dt: f64) -> Fields {
        Fields(FieldId::ALL.map(|id| Field::new(id.name(), *params.of(id), grid, dt)))
    }
    pub fn iter(&self) -> impl Iterator<Item = &Field> {
        self.0.iter()
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Field> {
        self.0.iter_mut()
    }
    /// Every field at once, mutably (to advance two of them in one pass).
    pub fn each_mut(&mut self) -> [&mut Field; 5] {
        self.0.each_mut()
    }
}

impl std::ops::Index<FieldId> for Fields {
    type Output = Field;
    fn index(&self, id: FieldId) -> &Field {
        &self.0[id as usize]
    }
}

impl std::ops::IndexMut<FieldId> for Fields {
    fn index_mut(&mut self, id: FieldId) -> &mut Field {
        &mut self.0[id as usize]
    }
}
